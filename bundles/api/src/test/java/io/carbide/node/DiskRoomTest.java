package io.carbide.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskRoomTest {

    @TempDir
    Path dir;

    @Test
    void contentLargerThanTheRoomLeftIsRefusedWithALineNamingFolderSizeAndWhatToDo() {
        IOException refused = assertThrows(DiskRoom.NoRoomException.class,
                () -> DiskRoom.require(dir, Long.MAX_VALUE / 4, "big.zip"));
        String message = refused.getMessage();
        assertTrue(message.startsWith("not enough space in " + dir + " for big.zip ("), message);
        assertTrue(message.contains(" free"), message);
        assertTrue(message.endsWith("): free space on that disk"), message);
    }

    @Test
    void contentThatFitsIsLetThrough() throws IOException {
        DiskRoom.require(dir, 1, "tiny.zip");
    }

    @Test
    void aWriteThatRanOutOfRoomIsToldApartFromOtherFailures() {
        IOException full = DiskRoom.explain(new IOException("No space left on device"), dir, 5 << 20, "site.zip");
        assertTrue(full instanceof DiskRoom.NoRoomException, full.toString());
        assertTrue(full.getMessage().startsWith("not enough space in " + dir + " for site.zip (5.0 MB; "),
                full.getMessage());
        IOException other = new IOException("Permission denied");
        assertSame(other, DiskRoom.explain(other, dir, 5 << 20, "site.zip"));
    }

    @Test
    void aRefusalTriedAgainIsTheSameRefusalWhateverTheFreeSpaceSaysNow() {
        String first = "not enough space in /data for big.zip (30 MB; 24 MB free, of which 4.8 MB stay free)";
        String again = "not enough space in /data for big.zip (30 MB; 13 MB free, of which 4.8 MB stay free)";
        assertTrue(DiskRoom.alike(first, again));
        assertFalse(DiskRoom.alike(first, first.replace("big.zip", "other.zip")));
        assertFalse(DiskRoom.alike(first, null));
    }

    @Test
    void theReserveIsATenthOfTheDiskAtMost64Megabytes() {
        assertEquals(4 << 20, DiskRoom.reserve(40 << 20));
        assertEquals(DiskRoom.MAX_RESERVE, DiskRoom.reserve(500L << 30));
    }

    @Test
    void sizesReadAsPeopleSayThem() {
        assertEquals("147 bytes", DiskRoom.size(147));
        assertEquals("195 KB", DiskRoom.size(200_000));
        assertEquals("1.5 MB", DiskRoom.size(3 << 19));
        assertEquals("30 MB", DiskRoom.size(31_457_519));
    }
}
