package io.carbide.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LargeCopyTest {

    private static byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aStreamIsCopiedWholeWhateverItWasExpectedToHold() throws Exception {
        for (int size : new int[] {0, 1, 1_000, 64 * 1024, 64 * 1024 + 1, 3 * LargeCopy.BUFFER + 7}) {
            byte[] content = bytes(size);
            for (long expected : new long[] {0, 10, size, size + 100L, 5L * LargeCopy.BUFFER}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertEquals(size, LargeCopy.copy(new ByteArrayInputStream(content), out, expected),
                        size + " bytes, " + expected + " expected");
                assertArrayEquals(content, out.toByteArray(), size + " bytes, " + expected + " expected");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(size, LargeCopy.copy(new ByteArrayInputStream(content), out));
            assertArrayEquals(content, out.toByteArray());
        }
    }
}
