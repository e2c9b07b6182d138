package io.carbide.deployment.internal;

import io.carbide.node.DiskRoom;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * This node's copy of artifact content, in {@code data/deployment/blobs/<sha256>}. Content arrives
 * through {@link #receive}: written to {@code <sha256>.part} as it streams in, its digest checked
 * against the one the authority announced, forced to disk (when 1 MB or more), then renamed into
 * place. So only whole, verified content is ever installed, whatever happens mid-transfer; and a
 * transfer cut short, even by kill -9, resumes from what its part file holds (the digest at the
 * end covers the resumed bytes as well as the new ones: a part file damaged meanwhile is thrown
 * away). On start every blob is checked against its digest again, so one a power cut damaged is
 * fetched again rather than used.
 */
final class VerifiedBlobs {

    /** Writes an artifact's content, from byte {@code from} on, into the stream it is given, in pieces. */
    interface Transfer {
        void to(OutputStream out, long from) throws IOException;
    }

    /** Content arrived whole but does not match its digest; thrown away, part file and all. */
    static final class ContentMismatchException extends IOException {
        private static final long serialVersionUID = 1L;

        ContentMismatchException(String message) {
            super(message);
        }
    }

    private static final String PART = ".part";
    /** Blobs this large are forced to disk on arrival: fetching them again after a power cut would cost more. */
    static final long FORCED_FROM_BYTES = 1 << 20;
    private static final java.util.regex.Pattern RESUMABLE = java.util.regex.Pattern.compile("[0-9a-f]{64}\\.part");
    private static final java.util.regex.Pattern DIGEST = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    private final Path dir;
    /** Size and modification time of each blob when it last checked out: a cheap look tells whether it changed since. */
    private final java.util.Map<String, long[]> checked = new java.util.concurrent.ConcurrentHashMap<>();
    /** One lock per digest received, so two receivers never write one part file; dropped with the content. */
    private final java.util.Map<String, Object> receiving = new java.util.concurrent.ConcurrentHashMap<>();
    /** Digests being received now, by how many threads: peers asking for one are served it as it arrives. */
    private final java.util.Map<String, Integer> arriving = new java.util.concurrent.ConcurrentHashMap<>();

    VerifiedBlobs(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path leftover : (Iterable<Path>) files.filter(p -> p.toString().endsWith(PART))::iterator) {
                if (!RESUMABLE.matcher(leftover.getFileName().toString()).matches()) {
                    Files.deleteIfExists(leftover); // of an earlier build, which did not resume
                }
            }
        }
    }

    Optional<Path> get(String sha256) {
        Path blob = dir.resolve(sha256);
        return Files.isRegularFile(blob) ? Optional.of(blob) : Optional.empty();
    }

    /**
     * The content with this digest, read back and checked against it (and its size): what a node
     * restores on start must be exactly what it verified when it arrived. A damaged copy is
     * deleted, so it is fetched again.
     */
    Optional<Path> verified(String sha256, long size) throws IOException {
        Optional<Path> blob = get(sha256);
        if (blob.isEmpty()) {
            return blob;
        }
        MessageDigest digest = sha256();
        long read = io.carbide.node.LargeCopy.digest(blob.get(), digest);
        if (read == size && HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
            checked.put(sha256, stamp(blob.get()));
            return blob;
        }
        checked.remove(sha256);
        Files.deleteIfExists(blob.get());
        return Optional.empty();
    }

    /**
     * Whether the blob is as it was when it last checked out, by its size and modification time;
     * when it is not (truncated, edited, deleted), its digest is checked again, and a damaged copy
     * is deleted so that it is fetched again.
     */
    boolean intact(String sha256, long size) throws IOException {
        return unchangedSinceChecked(sha256) || verified(sha256, size).isPresent();
    }

    /** Whether the blob is there with the size and time it had when its digest last checked out. */
    private boolean unchangedSinceChecked(String sha256) {
        long[] stamp = checked.get(sha256);
        Path blob = dir.resolve(sha256);
        try {
            return stamp != null && Files.isRegularFile(blob) && java.util.Arrays.equals(stamp, stamp(blob));
        } catch (IOException gone) {
            return false;
        }
    }

    private static long[] stamp(Path blob) throws IOException {
        return new long[] {Files.size(blob), Files.getLastModifiedTime(blob).toMillis()};
    }

    /**
     * The content with this digest: the copy here if it still checks out, else fetched through
     * {@code transfer}, from where an earlier transfer of it stopped. A transfer that fails keeps
     * its part file for the next attempt; content that arrived whole but does not match is thrown
     * away, part file and all, and so is what arrived of content the disk has no room for (the
     * transfer is not even begun when the disk lacks the room before it starts).
     *
     * @param name the artifact, as a refusal for want of room names it
     */
    Path receive(String sha256, long size, String name, Transfer transfer) throws IOException {
        arriving.merge(sha256, 1, Integer::sum);
        try {
            // several digests arrive at once (FetchAhead), each into its own part file, one receiver each
            synchronized (receiving.computeIfAbsent(sha256, k -> new Object())) {
                return receiveAlone(sha256, size, name, transfer);
            }
        } finally {
            arriving.computeIfPresent(sha256, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    /**
     * The content with this digest for a peer: only a blob as it was when it last checked out (its
     * size and modification time), so a copy damaged on disk since is not handed on; the peer
     * checks the digest anyway, and would fetch again.
     */
    Optional<Path> servable(String sha256) {
        return unchangedSinceChecked(sha256) ? Optional.of(dir.resolve(sha256)) : Optional.empty();
    }

    /** The part file content with this digest is arriving in, while it is being received. */
    Optional<Path> arriving(String sha256) {
        return arriving.containsKey(sha256) ? Optional.of(dir.resolve(sha256 + PART)) : Optional.empty();
    }

    private Path receiveAlone(String sha256, long size, String name, Transfer transfer) throws IOException {
        if (intact(sha256, size)) {
            return dir.resolve(sha256);
        }
        Path part = dir.resolve(sha256 + PART);
        MessageDigest digest = sha256();
        long from = resumable(part, size, digest);
        DiskRoom.require(dir, size - from, name);
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(part, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND), digest)) {
            transfer.to(out, from);
        } catch (IOException e) {
            IOException explained = DiskRoom.explain(e, dir, size - from, name);
            if (explained instanceof DiskRoom.NoRoomException) {
                // kept, it would hold the disk full: every other artifact, and the node's own state, would fail too
                Files.deleteIfExists(part);
            }
            throw explained;
        }
        try {
            String actual = HexFormat.of().formatHex(digest.digest());
            long received = Files.size(part);
            if (!actual.equals(sha256) || received != size) {
                // deleted below: all of it again next time, since which bytes are wrong is not known
                throw new ContentMismatchException("content does not match: expected sha256 " + sha256 + " (" + size + " bytes), got "
                        + actual + " (" + received + " bytes)" + (from > 0 ? ", " + from + " of them resumed" : ""));
            }
            // a small blob is not forced to disk: were a power cut to lose it, the start's check of every
            // blob against its digest finds it missing or damaged, and it is fetched again (the two
            // flushes cost about half a millisecond a blob, a worker catching up on hundreds of them)
            boolean force = size >= FORCED_FROM_BYTES;
            if (force) {
                try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
            }
            Path blob = dir.resolve(sha256);
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (force) {
                io.carbide.node.AtomicFile.forceFolder(dir); // the rename too survives a power cut
            }
            checked.put(sha256, stamp(blob));
            return blob;
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw e;
        }
    }

    /** How many bytes of the part file a transfer can keep (read into {@code digest}); 0 when there is none. */
    private static long resumable(Path part, long size, MessageDigest digest) throws IOException {
        if (!Files.isRegularFile(part)) {
            return 0;
        }
        if (Files.size(part) > size) {
            Files.delete(part);
            return 0;
        }
        return io.carbide.node.LargeCopy.digest(part, digest);
    }

    /**
     * Deletes the content with this digest and what arrived of it (anything but a digest names no
     * blob here); called only while nothing is being received.
     */
    void drop(String sha256) throws IOException {
        if (!DIGEST.matcher(sha256).matches()) {
            return;
        }
        receiving.remove(sha256);
        checked.remove(sha256);
        Files.deleteIfExists(dir.resolve(sha256));
        Files.deleteIfExists(dir.resolve(sha256 + PART));
    }

    /** Drops all content but {@code digests}, part files included; called only while nothing is being received. */
    void keepOnly(Set<String> digests) throws IOException {
        receiving.keySet().retainAll(digests);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path blob : (Iterable<Path>) files::iterator) {
                String name = blob.getFileName().toString();
                if (!digests.contains(name.endsWith(PART) ? name.substring(0, name.length() - PART.length()) : name)) {
                    checked.remove(blob.getFileName().toString());
                    Files.deleteIfExists(blob);
                }
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
