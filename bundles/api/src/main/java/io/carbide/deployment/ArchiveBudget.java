package io.carbide.deployment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.ZipEntry;

/**
 * What one archive (a web application zip, a bundle jar) may expand to, counted while its entries
 * are read, never taken from the sizes its directory claims: a small zip that would fill the disk
 * of every worker (a zip bomb) is refused with the limit it broke. The manager checks when it
 * validates an artifact, a worker again when it unpacks one.
 *
 * <p>Limits, as node properties: {@value #MAX_BYTES} (bytes all entries expand to, default
 * 2 GiB), {@value #MAX_ENTRIES} (default 100,000) and {@value #MAX_RATIO} (how many times larger
 * than its compressed form an entry above 1 MiB may grow, default 200; ordinary files compress
 * 2 to 20 times, a bomb a thousand times).
 */
public final class ArchiveBudget {

    public static final String MAX_BYTES = "carbide.archive.maxBytes";
    public static final String MAX_ENTRIES = "carbide.archive.maxEntries";
    public static final String MAX_RATIO = "carbide.archive.maxRatio";
    private static final long RATIO_FROM_BYTES = 1024 * 1024;

    /** An archive that broke one of the limits; the message names the archive, the limit and its property. */
    public static final class Exceeded extends IOException {
        private static final long serialVersionUID = 1L;

        Exceeded(String message) {
            super(message);
        }
    }

    private final String archive;
    private final long maxBytes;
    private final long maxEntries;
    private final long maxRatio;
    private long bytes;
    private long entries;
    private static final int PIECE = 64 * 1024;
    private byte[] buffer = new byte[0];

    public ArchiveBudget(String archive, long maxBytes, long maxEntries, long maxRatio) {
        this.archive = archive;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
        this.maxRatio = maxRatio;
    }

    /** The budget of one archive with the node's limits (system properties, else the defaults). */
    public static ArchiveBudget of(String archive) {
        return new ArchiveBudget(archive, Long.getLong(MAX_BYTES, 2L * 1024 * 1024 * 1024),
                Long.getLong(MAX_ENTRIES, 100_000), Long.getLong(MAX_RATIO, 200));
    }

    /** The most an archive may hold unpacked, in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Counts one more entry. */
    public void entry() throws Exceeded {
        if (++entries > maxEntries) {
            throw new Exceeded(archive + " has more than " + maxEntries + " entries (" + MAX_ENTRIES
                    + "); split it, or raise the limit on the manager and the workers");
        }
    }

    /** Copies one entry's content to {@code out}, counting every byte as it is inflated. */
    public void copy(ZipEntry entry, InputStream in, OutputStream out) throws IOException {
        long compressed = Math.max(1, entry.getCompressedSize());
        long own = 0;
        // sized by what the entry says it holds (a hint only: every byte is counted as it comes),
        // and kept for the archive's next entries: a thousand small files allocate little
        long said = entry.getSize();
        int want = (int) (said < 0 ? PIECE : Math.max(1, Math.min(PIECE, said + 1)));
        if (buffer.length < want) {
            buffer = new byte[want];
        }
        for (int read; (read = in.read(buffer)) >= 0; ) {
            own += read;
            bytes += read;
            if (bytes > maxBytes) {
                throw new Exceeded(archive + " expands to more than " + human(maxBytes) + " (" + MAX_BYTES
                        + "); it may be a zip bomb; deploy a smaller archive, or raise the limit on the manager and the "
                        + "workers");
            }
            if (own > RATIO_FROM_BYTES && own / compressed > maxRatio) {
                throw new Exceeded(archive + ": entry '" + ArtifactNames.shown(entry.getName()) + "' expands more than "
                        + maxRatio + " times its compressed size (" + MAX_RATIO + "); it may be a zip bomb");
            }
            out.write(buffer, 0, read);
        }
    }

    private static String human(long bytes) {
        if (bytes % (1024L * 1024 * 1024) == 0) {
            return bytes / (1024L * 1024 * 1024) + " GiB";
        }
        if (bytes % (1024L * 1024) == 0) {
            return bytes / (1024L * 1024) + " MiB";
        }
        return bytes + " bytes";
    }
}
