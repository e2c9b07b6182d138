package io.carbide.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

class ArchiveBudgetTest {

    @Test
    void ordinaryContentPassesWhole() throws IOException {
        byte[] content = new byte[3 * 1024 * 1024];
        new Random(1).nextBytes(content);
        ZipEntry entry = new ZipEntry("data.bin");
        entry.setCompressedSize(content.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ArchiveBudget budget = new ArchiveBudget("site.zip", 10 * 1024 * 1024, 10, 200);
        budget.entry();
        budget.copy(entry, new ByteArrayInputStream(content), out);
        assertEquals(content.length, out.size());
    }

    @Test
    void anEntryThatGrowsFarBeyondItsCompressedSizeIsRefusedWhileReading() {
        ZipEntry entry = new ZipEntry("zeros.bin");
        entry.setCompressedSize(1024); // what the archive claims; the bytes read are what count
        ArchiveBudget budget = new ArchiveBudget("bomb.zip", Long.MAX_VALUE, 10, 200);
        ArchiveBudget.Exceeded refused = assertThrows(ArchiveBudget.Exceeded.class,
                () -> budget.copy(entry, new ByteArrayInputStream(new byte[4 * 1024 * 1024]), OutputStream.nullOutputStream()));
        assertTrue(refused.getMessage().startsWith("bomb.zip: entry 'zeros.bin'"), refused.getMessage());
        assertTrue(refused.getMessage().contains(ArchiveBudget.MAX_RATIO), refused.getMessage());
    }

    @Test
    void theTotalAndTheEntryCountAreBounded() throws IOException {
        ArchiveBudget budget = new ArchiveBudget("many.zip", 1024 * 1024, 2, 200);
        ZipEntry entry = new ZipEntry("part.bin");
        entry.setCompressedSize(600 * 1024);
        budget.entry();
        budget.copy(entry, new ByteArrayInputStream(new byte[600 * 1024]), OutputStream.nullOutputStream());
        budget.entry();
        ArchiveBudget.Exceeded total = assertThrows(ArchiveBudget.Exceeded.class,
                () -> budget.copy(entry, new ByteArrayInputStream(new byte[600 * 1024]), OutputStream.nullOutputStream()));
        assertTrue(total.getMessage().contains("more than 1 MiB (" + ArchiveBudget.MAX_BYTES + ")"), total.getMessage());
        ArchiveBudget.Exceeded count = assertThrows(ArchiveBudget.Exceeded.class, budget::entry);
        assertTrue(count.getMessage().contains("more than 2 entries"), count.getMessage());
    }
}
