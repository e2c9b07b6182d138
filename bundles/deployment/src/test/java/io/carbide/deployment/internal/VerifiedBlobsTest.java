package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifiedBlobsTest {

    @TempDir
    Path dir;

    private static byte[] content(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void aTransferCutShortResumesWhereItStoppedEvenAfterARestart() throws Exception {
        byte[] bytes = content(300_000);
        String sha256 = sha256(bytes);
        VerifiedBlobs blobs = new VerifiedBlobs(dir);
        assertThrows(IOException.class, () -> blobs.receive(sha256, bytes.length, "site.zip", (out, from) -> {
            out.write(bytes, 0, 120_000);
            throw new IOException("connection reset");
        }));
        assertFalse(blobs.get(sha256).isPresent(), "nothing half-written is installed");

        // the node restarts (kill -9): the part file stays for the next attempt
        VerifiedBlobs restarted = new VerifiedBlobs(dir);
        List<Long> asked = new ArrayList<>();
        Path blob = restarted.receive(sha256, bytes.length, "site.zip", (out, from) -> {
            asked.add(from);
            out.write(bytes, (int) from, bytes.length - (int) from);
        });
        assertEquals(List.of(120_000L), asked);
        assertArrayEquals(bytes, Files.readAllBytes(blob));
        assertFalse(Files.exists(dir.resolve(sha256 + ".part")));
    }

    @Test
    void aDamagedPartFileIsThrownAwayAndTheNextAttemptStartsOver() throws Exception {
        byte[] bytes = content(50_000);
        String sha256 = sha256(bytes);
        byte[] damaged = java.util.Arrays.copyOf(bytes, 20_000);
        damaged[100] ^= 1;
        Files.write(dir.resolve(sha256 + ".part"), damaged);
        VerifiedBlobs blobs = new VerifiedBlobs(dir);
        IOException mismatch = assertThrows(IOException.class, () -> blobs.receive(sha256, bytes.length, "site.zip",
                (out, from) -> out.write(bytes, (int) from, bytes.length - (int) from)));
        assertTrue(mismatch.getMessage().contains("20000 of them resumed"), mismatch.getMessage());
        assertFalse(Files.exists(dir.resolve(sha256 + ".part")));
        List<Long> asked = new ArrayList<>();
        blobs.receive(sha256, bytes.length, "site.zip", (out, from) -> {
            asked.add(from);
            out.write(bytes, (int) from, bytes.length - (int) from);
        });
        assertEquals(List.of(0L), asked);
    }

    @Test
    void contentTheDiskHasNoRoomForLeavesNothingBehindAndSaysWhere() throws Exception {
        byte[] bytes = content(200_000);
        String sha256 = sha256(bytes);
        VerifiedBlobs blobs = new VerifiedBlobs(dir);
        // the disk fills while the content arrives (another writer took the room after the look before)
        IOException full = assertThrows(IOException.class, () -> blobs.receive(sha256, bytes.length, "site.zip",
                (out, from) -> {
                    out.write(bytes, 0, 80_000);
                    throw new IOException("No space left on device");
                }));
        assertTrue(full instanceof io.carbide.node.DiskRoom.NoRoomException, full.toString());
        assertTrue(full.getMessage().startsWith("not enough space in " + dir + " for site.zip (195 KB; "),
                full.getMessage());
        assertFalse(Files.exists(dir.resolve(sha256 + ".part")), "a part file kept would hold the disk full");

        // content larger than the disk has free is refused before a byte is written
        IOException refused = assertThrows(IOException.class, () -> blobs.receive(sha256, Long.MAX_VALUE / 2,
                "huge.zip", (out, from) -> {
                    throw new AssertionError("nothing is fetched for content there is no room for");
                }));
        assertTrue(refused.getMessage().contains(" for huge.zip ("), refused.getMessage());
        assertFalse(Files.exists(dir.resolve(sha256 + ".part")));
    }

    @Test
    void partFilesOfContentNoLongerWantedGoWithIt() throws Exception {
        Files.write(dir.resolve("ab".repeat(32) + ".part"), new byte[10]);
        Files.write(dir.resolve("abcdef012345-99.part"), new byte[10]); // an earlier build's name: not resumable
        VerifiedBlobs blobs = new VerifiedBlobs(dir);
        assertFalse(Files.exists(dir.resolve("abcdef012345-99.part")));
        blobs.keepOnly(java.util.Set.of("ab".repeat(32)));
        assertTrue(Files.exists(dir.resolve("ab".repeat(32) + ".part")), "still wanted: kept to resume");
        blobs.keepOnly(java.util.Set.of());
        assertFalse(Files.exists(dir.resolve("ab".repeat(32) + ".part")));
    }
}
