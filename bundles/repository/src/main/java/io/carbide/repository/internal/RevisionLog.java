package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repository's history on disk: one line per change, appended and forced to disk before the
 * change counts. {@code revision TAB put|del TAB type TAB sha256 TAB size TAB name}.
 *
 * <p>Its integrity rules:
 * <ul>
 * <li>A line cut short at the end (a crash while writing) is dropped when the log is read back:
 *     that change never counted, nobody was told of it.</li>
 * <li>An append that fails is cut back to the last good line at once; if even that fails, the log
 *     refuses further changes with a clear error, so no later change lands after half a line.</li>
 * <li>A damaged line with good lines after it stops the start with the file and line named:
 *     valid history is never dropped silently.</li>
 * <li>Revision numbers are never handed out twice: the highest one given is kept in
 *     {@code revisions.hwm} (forced to disk before the change is written), so a change lost with
 *     a crash leaves a gap, not a second meaning for its number.</li>
 * </ul>
 */
final class RevisionLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RevisionLog.class);

    private final Path file;
    private final FileChannel channel;
    private final HighWaterMark highWater;
    private long goodLength;
    private String broken;

    /** The log holds a damaged line that is not its last: the node must not start on it. */
    static final class CorruptLogException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptLogException(String message) {
            super(message);
        }
    }

    private RevisionLog(Path file, FileChannel channel, HighWaterMark highWater, long goodLength) {
        this.file = file;
        this.channel = channel;
        this.highWater = highWater;
        this.goodLength = goodLength;
    }

    /**
     * Opens (or creates) the log and reads back every change in it.
     *
     * @throws CorruptLogException when a line other than the last is damaged
     */
    static RevisionLog open(Path file, List<Artifact> into) throws IOException {
        Files.createDirectories(file.getParent());
        long goodLength = 0;
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int start = 0;
            int lineNumber = 0;
            long previous = 0;
            while (start < bytes.length) {
                int end = indexOf(bytes, (byte) '\n', start);
                lineNumber++;
                String line = new String(bytes, start, (end < 0 ? bytes.length : end) - start, StandardCharsets.UTF_8);
                Artifact change = end < 0 ? null : parse(line);
                boolean last = end < 0 || end == bytes.length - 1;
                if (change == null || change.revision() <= previous) {
                    if (!last) {
                        throw new CorruptLogException("repository log " + file + " line " + lineNumber + " is damaged ("
                                + describe(line, change, previous) + "), and " + countLines(bytes, end + 1)
                                + " more lines follow it; the manager will not start on a log it cannot trust. Restore "
                                + "the file from a backup, or delete that one line if you know it is a failed write");
                    }
                    LOG.warn("Repository log {} ends in a change cut short at line {} (a crash or failed write while "
                            + "writing it); dropping it, the {} changes before it are intact", file, lineNumber, into.size());
                    break;
                }
                into.add(change);
                previous = change.revision();
                start = end + 1;
                goodLength = start;
            }
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (channel.size() > goodLength) {
            channel.truncate(goodLength);
            channel.force(true);
        }
        channel.position(goodLength);
        HighWaterMark highWater = new HighWaterMark(file.resolveSibling("revisions.hwm"));
        return new RevisionLog(file, channel, highWater, goodLength);
    }

    /** The highest revision ever handed out, recorded or not: the next one must be above it. */
    long highWater() throws IOException {
        return highWater.read();
    }

    synchronized void append(Artifact change) throws IOException {
        if (broken != null) {
            throw new IOException(broken);
        }
        highWater.raiseTo(change.revision());
        String line = change.revision() + "\t" + (change.deleted() ? "del" : "put") + "\t" + change.type().label() + "\t"
                + (change.sha256().isEmpty() ? "-" : change.sha256()) + "\t" + change.size() + "\t" + change.name() + "\n";
        ByteBuffer buffer = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
            goodLength = channel.position();
        } catch (IOException failed) {
            cutBack(failed);
            throw failed;
        }
    }

    /** After a failed append: back to the last good line, or no more changes at all. */
    private void cutBack(IOException failed) {
        try {
            channel.truncate(goodLength);
            channel.position(goodLength);
            channel.force(true);
        } catch (IOException alsoFailed) {
            broken = "repository log " + file + " could not be written (" + failed.getMessage() + ") nor cut back to "
                    + "its last good change (" + alsoFailed.getMessage() + "); no more changes are recorded until the "
                    + "manager is restarted with the disk fixed";
            LOG.error(broken);
        }
    }

    private static Artifact parse(String line) {
        String[] fields = line.split("\t", 6);
        if (fields.length != 6 || fields[5].isEmpty()) {
            return null;
        }
        try {
            boolean deleted = fields[1].equals("del");
            if (!deleted && !fields[1].equals("put")) {
                return null;
            }
            return new Artifact(fields[5], ArtifactType.valueOf(fields[2].toUpperCase(Locale.ROOT)),
                    Long.parseLong(fields[0]), deleted ? "" : fields[3], Long.parseLong(fields[4]), deleted);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String describe(String line, Artifact change, long previous) {
        if (change != null) {
            return "revision " + change.revision() + " does not follow revision " + previous;
        }
        String shown = line.length() > 60 ? line.substring(0, 60) + "..." : line;
        return "unreadable: '" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static int countLines(byte[] bytes, int from) {
        int lines = 0;
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n' || i == bytes.length - 1) {
                lines++;
            }
        }
        return lines;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        highWater.close();
    }

    @Override
    public String toString() {
        return file.toString();
    }

    /**
     * The highest revision number handed out, in a file of one fixed-size record ({@code hwm N crc
     * C}) rewritten in place and forced: cheap enough to update before every change. A record
     * that fails its checksum (a write torn by a crash) counts as absent, and the log's own last
     * revision is used instead, which is safe because that write never completed.
     */
    private static final class HighWaterMark implements AutoCloseable {
        private static final int RECORD = 48;
        private final Path file;
        private final FileChannel channel;
        private long value = -1;

        HighWaterMark(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }

        synchronized long read() throws IOException {
            if (value >= 0) {
                return value;
            }
            ByteBuffer record = ByteBuffer.allocate(RECORD);
            channel.read(record, 0);
            String text = new String(record.array(), 0, record.position(), StandardCharsets.US_ASCII).strip();
            value = 0;
            String[] fields = text.split(" ");
            if (fields.length == 4 && fields[0].equals("hwm") && fields[2].equals("crc")) {
                try {
                    if (Long.parseLong(fields[3], 16) == crc(fields[1])) {
                        value = Long.parseLong(fields[1]);
                    }
                } catch (NumberFormatException torn) {
                    // counts as absent
                }
            }
            if (value == 0 && !text.isEmpty()) {
                LOG.warn("{} is unreadable ('{}'); using the revision log's last revision", file, text);
            }
            return value;
        }

        synchronized void raiseTo(long revision) throws IOException {
            if (revision <= read()) {
                return;
            }
            String text = String.format(Locale.ROOT, "hwm %d crc %x", revision, crc(Long.toString(revision)));
            byte[] padded = String.format(Locale.ROOT, "%-" + (RECORD - 1) + "s\n", text).getBytes(StandardCharsets.US_ASCII);
            channel.write(ByteBuffer.wrap(padded), 0);
            channel.force(false);
            value = revision;
        }

        private static long crc(String text) {
            CRC32 crc = new CRC32();
            crc.update(text.getBytes(StandardCharsets.US_ASCII));
            return crc.getValue();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
