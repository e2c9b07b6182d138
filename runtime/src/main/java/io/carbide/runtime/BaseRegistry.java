package io.carbide.runtime;

import io.carbide.node.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The bases of the nodes started from one installation, one small file each under the
 * installation's {@code registry/} (the file holds the base's path), so that
 * {@code bin/status.sh --all} finds every node wherever its base is. Recorded once a node has
 * claimed its base: a refused start leaves no entry. A read-only installation keeps none.
 */
final class BaseRegistry {

    private BaseRegistry() {
    }

    static void record(Path home, Path base) {
        Path folder = home.resolve("registry");
        Path entry = folder.resolve(key(base));
        try {
            if (Files.isRegularFile(entry)) {
                return;
            }
            AtomicFile.write(entry, (base.toAbsolutePath().normalize() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            // only status.sh --all misses this node
        }
    }

    private static String key(Path base) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(base.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
