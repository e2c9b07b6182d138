package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderLedgerTest {

    private static final String SHA = "ab".repeat(32);

    @Test
    void aFileTheViewWroteIsKnownUntilSomeoneTouchesIt(@TempDir Path dir) throws IOException {
        Path deployed = Files.writeString(dir.resolve("a.jar"), "committed");
        FolderLedger ledger = new FolderLedger(dir.resolve("deploy-folder.ledger"));
        ledger.committed("a.jar", SHA, deployed);
        FolderLedger.Entry entry = ledger.entry("a.jar").orElseThrow();
        assertEquals(SHA, entry.sha256());
        assertTrue(entry.matches(deployed));
        Files.writeString(deployed, "an operator's edit");
        Files.setLastModifiedTime(deployed, FileTime.fromMillis(entry.modified() + 5_000));
        assertFalse(entry.matches(deployed), "an operator's change to the file is theirs, not the view's");
    }

    @Test
    void theLedgerSurvivesARestartIncludingNamesThatNeedEscaping(@TempDir Path dir) throws IOException {
        Path deployed = Files.writeString(dir.resolve("odd name=1.jar"), "committed");
        Path file = dir.resolve("deploy-folder.ledger");
        FolderLedger ledger = new FolderLedger(file);
        ledger.committed("odd name=1.jar", SHA, deployed);
        ledger.removedByView("gone.war");
        ledger.saveIfChanged();
        FolderLedger reread = new FolderLedger(file);
        assertTrue(reread.entry("odd name=1.jar").orElseThrow().matches(deployed));
        assertTrue(reread.wasRemovedByView("gone.war"));
        assertEquals(Optional.empty(), reread.entry("gone.war"));
        reread.forget("gone.war");
        assertFalse(reread.wasRemovedByView("gone.war"));
    }

    @Test
    void anUnreadableLedgerOnlyForgetsWhatItKnew(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("deploy-folder.ledger"), new byte[] {'a', '=', '\\', 'u', 'z', 'z'});
        FolderLedger ledger = new FolderLedger(file);
        assertEquals(Optional.empty(), ledger.entry("a"));
    }
}
