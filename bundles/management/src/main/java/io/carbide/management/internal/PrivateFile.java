package io.carbide.management.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a secret-bearing file (users, key store, its password): readable by its owner only,
 * written whole to a temporary file beside it and renamed over the old one, so a crash leaves
 * either the old file or the new one, never half of one.
 */
public final class PrivateFile {

    /** What goes into the file. */
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private PrivateFile() {
    }

    public static void write(Path file, Content content) throws IOException {
        Files.createDirectories(file.getParent());
        Path next = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the folder's own permissions apply
            }
            try (OutputStream out = Files.newOutputStream(next)) {
                content.writeTo(out);
            }
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(next);
        }
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }
}
