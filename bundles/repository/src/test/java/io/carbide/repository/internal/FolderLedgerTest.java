package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
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
    void aDeletionNotRecordedYetSurvivesARestartUntilItIsForgotten(@TempDir Path dir) throws IOException {
        Path deployed = Files.writeString(dir.resolve("kept.jar"), "committed");
        Path file = dir.resolve("deploy-folder.ledger");
        FolderLedger ledger = new FolderLedger(file);
        ledger.committed("kept.jar", SHA, deployed);
        ledger.deletedUnrecorded("later.zip", new FolderLedger.StoredAs("5d1c-repo", 1, 7));
        ledger.saveIfChanged();
        FolderLedger reread = new FolderLedger(file);
        assertEquals(Map.of("later.zip", new FolderLedger.StoredAs("5d1c-repo", 1, 7)), reread.unrecordedDeletions());
        assertEquals(Optional.empty(), reread.entry("later.zip"), "a deleted file holds no committed content");
        assertFalse(reread.wasRemovedByView("later.zip"), "the operator deleted it, not the view");
        reread.forgetUnrecordedDeletion("kept.jar"); // only ever a deletion: what the file holds stays known
        assertTrue(reread.entry("kept.jar").isPresent());
        reread.forgetUnrecordedDeletion("later.zip");
        reread.saveIfChanged();
        assertEquals(Map.of(), new FolderLedger(file).unrecordedDeletions());
    }

    @Test
    void aDeletionReplacesWhatTheFileHeldAndForgettingTheNameForgetsIt(@TempDir Path dir) throws IOException {
        Path deployed = Files.writeString(dir.resolve("a.zip"), "committed");
        FolderLedger ledger = new FolderLedger(dir.resolve("deploy-folder.ledger"));
        ledger.committed("a.zip", SHA, deployed);
        ledger.deletedUnrecorded("a.zip", new FolderLedger.StoredAs("r", 1, 3));
        assertEquals(Optional.empty(), ledger.entry("a.zip"));
        assertEquals(1, ledger.unrecordedDeletions().size());
        ledger.forget("a.zip"); // the deletion recorded: the name is nothing to the ledger any more
        assertEquals(Map.of(), ledger.unrecordedDeletions());
    }

    @Test
    void aDeletionThatCannotBeReadIsPassedOver(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("deploy-folder.ledger"),
                "format=1\nbad.zip=unrecorded 5d1c-repo 1 many\nshort.zip=unrecorded 5d1c-repo 1\nok.zip=unrecorded r 1 2\n");
        assertEquals(Map.of("ok.zip", new FolderLedger.StoredAs("r", 1, 2)), new FolderLedger(file).unrecordedDeletions());
    }

    @Test
    void anUnreadableLedgerOnlyForgetsWhatItKnew(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("deploy-folder.ledger"), new byte[] {'a', '=', '\\', 'u', 'z', 'z'});
        FolderLedger ledger = new FolderLedger(file);
        assertEquals(Optional.empty(), ledger.entry("a"));
    }
}
