package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {

    @TempDir
    Path dir;

    @Test
    void contentIsStoredUnderItsDigestWhateverItsSize() throws Exception {
        BlobStore blobs = new BlobStore(dir.resolve("blobs"));
        for (int size : new int[] {0, 10, 1 << 20, 3 * (1 << 20) + 5}) {
            byte[] content = new byte[size];
            new Random(size).nextBytes(content);
            Path source = Files.write(dir.resolve("drop-" + size), content);
            BlobStore.Stored stored = blobs.put(source);
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            assertEquals(new BlobStore.Stored(sha256, size), stored);
            assertArrayEquals(content, Files.readAllBytes(blobs.verified(sha256).orElseThrow()), size + " bytes");
            assertEquals(stored, blobs.put(source), "stored again: the same blob");
        }
        try (var left = Files.list(dir.resolve("blobs"))) {
            assertTrue(left.noneMatch(file -> file.getFileName().toString().startsWith("incoming-")), "no scratch left");
        }
    }

    @Test
    void aBlobDamagedAfterItWasStoredIsSetAsideNeverServed() throws Exception {
        BlobStore blobs = new BlobStore(dir.resolve("blobs"));
        byte[] content = new byte[2 * (1 << 20)];
        new Random(7).nextBytes(content);
        BlobStore.Stored stored = blobs.put(Files.write(dir.resolve("app.zip"), content));
        Path blob = blobs.get(stored.sha256()).orElseThrow();
        assertTrue(blobs.verified(stored.sha256()).isPresent(), "checks out as stored");

        Files.write(blob, new byte[] {1, 2, 3}); // cut short on disk
        BlobStore.DamagedContentException damaged = assertThrows(BlobStore.DamagedContentException.class,
                () -> blobs.verified(stored.sha256()));
        assertFalse(Files.exists(blob), "no longer in the store");
        assertTrue(Files.exists(damaged.aside()), "kept aside for the operator: " + damaged.aside());
        assertTrue(blobs.verified(stored.sha256()).isEmpty(), "absent from now on");
    }
}
