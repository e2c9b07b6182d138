package io.carbide.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The one way Carbide replaces a state file: write a temporary file in the same folder, force it
 * to disk, rename it over the target, force the folder. A reader sees the old file or the new
 * one, never half of either, whatever happens to the process or the power.
 */
public final class AtomicFile {

    private AtomicFile() {
    }

    /** Replaces {@code file} with {@code bytes}. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, bytes, false);
    }

    /** Replaces {@code file} with {@code bytes}, readable by its owner only ({@code 0600}). */
    public static void writePrivate(Path file, byte[] bytes) throws IOException {
        write(file, bytes, true);
    }

    /**
     * Creates {@code file}, owner-only, with {@code bytes} unless it exists already: when two nodes
     * create the same file at once, the first one's content stands and both read it.
     *
     * @return false when the file already existed (it is left as it was)
     */
    public static boolean createPrivate(Path file, byte[] bytes) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temp = forcedTemp(folder, file, bytes, true);
        try {
            Files.createLink(file, temp); // a link, not a move: it fails rather than replace
            forceFolder(folder);
            return true;
        } catch (java.nio.file.FileAlreadyExistsException existing) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A temporary file beside {@code file} holding {@code bytes}, forced to disk. */
    private static Path forcedTemp(Path folder, Path file, byte[] bytes, boolean ownerOnly) throws IOException {
        Path temp = Files.createTempFile(folder, "." + file.getFileName(), ".tmp");
        try {
            // created 0600; a file for everyone to read (a certificate, a status) gets the usual mode
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) {
            // best effort on other file systems
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return temp;
    }

    private static void write(Path file, byte[] bytes, boolean ownerOnly) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temp = forcedTemp(folder, file, bytes, ownerOnly);
        try {
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            forceFolder(folder);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Makes a rename or a new file in {@code folder} durable; where folders cannot be opened, the rename stands alone. */
    public static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // some file systems do not let a folder be opened; the rename is as durable as they make it
        }
    }
}
