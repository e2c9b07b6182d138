package io.carbide.repository.internal;

import io.carbide.node.DiskRoom;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Content-addressed files: each stored under its SHA-256. A file is copied beside its final place
 * while its digest is computed, forced to disk, then renamed into place atomically, so a blob is
 * either whole or absent, whatever happens to the process. What is served is checked first
 * ({@link #verified}): a blob damaged on disk since is set aside in {@code damaged/}, never sent.
 */
final class BlobStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;
    /** Size and modification time of each blob when it last checked out: a cheap look tells whether it changed since. */
    private final java.util.Map<String, long[]> checked = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Content that came in for a change not committed yet (an upload between storing its bytes and
     * its commit, or bytes held for another manager's proposal), with when: never collected until
     * {@link #settled} or the grace given to {@link #collect} has passed.
     */
    private final java.util.Map<String, Long> arrived = new java.util.concurrent.ConcurrentHashMap<>();
    /** Held while content lands in the store and while a blob is judged and deleted, so neither misses the other. */
    private final Object landing = new Object();

    BlobStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        // what is here at start may belong to changes the consensus has not replayed yet: protected for the grace
        long now = System.currentTimeMillis();
        try (var files = Files.list(this.dir)) {
            files.map(file -> file.getFileName().toString()).filter(name -> SHA256.matcher(name).matches())
                    .forEach(name -> arrived.put(name, now));
        }
    }

    /**
     * The blob, if it still holds what its name says: checked by size and modification time when
     * it checked out before, by its digest otherwise. A damaged blob is moved to {@code damaged/}
     * beside the store (kept for the operator to look at) and reported as absent.
     *
     * @return the blob, or empty when it is absent or was damaged
     */
    Optional<Path> verified(String sha256) throws IOException {
        Optional<Path> blob = get(sha256);
        if (blob.isEmpty()) {
            return blob;
        }
        long[] stamp = checked.get(sha256);
        if (stamp != null && java.util.Arrays.equals(stamp, stamp(blob.get()))) {
            return blob;
        }
        if (digest(blob.get()).equals(sha256)) {
            checked.put(sha256, stamp(blob.get()));
            return blob;
        }
        checked.remove(sha256);
        Path aside = Files.createDirectories(dir.resolveSibling("damaged"))
                .resolve(sha256 + "." + System.currentTimeMillis());
        Files.move(blob.get(), aside, StandardCopyOption.ATOMIC_MOVE);
        throw new DamagedContentException(sha256, aside);
    }

    /** A blob whose content no longer matches its digest; it was moved to {@link #aside()}. */
    static final class DamagedContentException extends IOException {
        private final Path aside;

        DamagedContentException(String sha256, Path aside) {
            super("content " + sha256.substring(0, 12) + " is damaged on disk (set aside as " + aside + ")");
            this.aside = aside;
        }

        Path aside() {
            return aside;
        }
    }

    private static long[] stamp(Path blob) throws IOException {
        return new long[] {Files.size(blob), Files.getLastModifiedTime(blob).toMillis()};
    }

    /** The stored digest and size of {@code source}, which is copied in unless already there. */
    record Stored(String sha256, long size) {
    }

    Stored put(Path source) throws IOException {
        long expected = Files.size(source);
        String name = String.valueOf(source.getFileName());
        DiskRoom.require(dir, expected, name);
        Path temp = Files.createTempFile(dir, "incoming-", ".tmp");
        try {
            MessageDigest digest = sha256();
            long size;
            try (InputStream in = Files.newInputStream(source);
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
                size = io.carbide.node.LargeCopy.copy(in, out, expected);
            } catch (IOException e) {
                throw DiskRoom.explain(e, dir, expected, name);
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            Path target = dir.resolve(sha);
            boolean forced = false;
            if (!Files.exists(target)) { // forced outside the lock: a large file takes a while
                force(temp);
                forced = true;
            }
            synchronized (landing) {
                arrived.put(sha, System.currentTimeMillis());
                if (!Files.exists(target)) {
                    if (!forced) {
                        force(temp);
                    }
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                    io.carbide.node.AtomicFile.forceFolder(dir);
                    checkedOut(sha, target);
                }
            }
            return new Stored(sha, size);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * A blob this store has just written, its digest taken from the very bytes: the first send
     * need not read it all again (for a 256 MB artifact, a fifth of a second before the first
     * worker's fetch could start, and twice when two fetches asked at once).
     */
    private void checkedOut(String sha256, Path blob) throws IOException {
        checked.put(sha256, stamp(blob));
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Writes content into the store as it streams in. */
    interface Transfer {
        void to(OutputStream out) throws IOException;
    }

    /**
     * Receives content from elsewhere (another manager): written beside its place, its digest and
     * size checked, forced to disk, renamed into place. Content already here is not fetched again.
     */
    Path receive(String sha256, long size, Transfer transfer) throws IOException {
        synchronized (landing) {
            arrived.put(sha256, System.currentTimeMillis());
            Optional<Path> existing = get(sha256);
            if (existing.isPresent()) {
                return existing.get();
            }
        }
        if (!SHA256.matcher(sha256).matches()) {
            throw new IOException("'" + sha256 + "' is not a sha-256");
        }
        String what = "content " + sha256.substring(0, 12) + " from another manager";
        DiskRoom.require(dir, size, what);
        Path temp = Files.createTempFile(dir, "incoming-", ".tmp");
        try {
            MessageDigest digest = sha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
                transfer.to(out);
            } catch (IOException e) {
                throw DiskRoom.explain(e, dir, size, what);
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            long received = Files.size(temp);
            if (!actual.equals(sha256) || received != size) {
                throw new IOException("content does not match: expected sha256 " + sha256 + " (" + size + " bytes), got "
                        + actual + " (" + received + " bytes)");
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Path target = dir.resolve(sha256);
            synchronized (landing) {
                arrived.put(sha256, System.currentTimeMillis());
                if (!Files.exists(target)) {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                    io.carbide.node.AtomicFile.forceFolder(dir);
                    checkedOut(sha256, target);
                }
            }
            return target;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    Optional<Path> get(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            return Optional.empty();
        }
        Path blob = dir.resolve(sha256);
        return Files.isRegularFile(blob) ? Optional.of(blob) : Optional.empty();
    }

    /** The SHA-256 of a file, in hex. */
    static String digest(Path file) throws IOException {
        MessageDigest digest = sha256();
        io.carbide.node.LargeCopy.digest(file, digest);
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A committed change refers to this content: from now on that reference protects it. */
    void settled(String sha256) {
        arrived.remove(sha256);
    }

    /** What {@link #collect} deleted. */
    record Collected(int blobs, long bytes) {
    }

    /**
     * Deletes every blob that {@code unreferenced} says nothing refers to, asked again for each one
     * at the moment of deleting it (the history may have moved on since the collection began),
     * except content that came in for a change not committed yet, within the last
     * {@code graceMillis}, and content that was here when the store opened, until that grace passed.
     */
    Collected collect(java.util.function.Predicate<String> unreferenced, long graceMillis) throws IOException {
        long now = System.currentTimeMillis();
        arrived.values().removeIf(at -> at < now - graceMillis);
        int count = 0;
        long bytes = 0;
        List<Path> candidates;
        try (var files = Files.list(dir)) {
            candidates = files.filter(file -> SHA256.matcher(file.getFileName().toString()).matches()).toList();
        }
        for (Path file : candidates) {
            String name = file.getFileName().toString();
            synchronized (landing) {
                if (arrived.containsKey(name) || !unreferenced.test(name) || !Files.exists(file)) {
                    continue;
                }
                long size = Files.size(file);
                Files.delete(file);
                checked.remove(name);
                count++;
                bytes += size;
            }
        }
        return new Collected(count, bytes);
    }

    /** The bytes the stored content takes. */
    long usage() throws IOException {
        long bytes = 0;
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (SHA256.matcher(file.getFileName().toString()).matches()) {
                    bytes += Files.size(file);
                }
            }
        }
        return bytes;
    }

    /** Leftovers of copies interrupted by a crash. */
    void removeIncomplete() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().startsWith("incoming-")) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
