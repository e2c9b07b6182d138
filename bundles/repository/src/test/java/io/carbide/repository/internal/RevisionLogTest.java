package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevisionLogTest {

    @TempDir
    Path dir;

    private static Change put(long revision, String name) {
        return new Change(new Artifact(name, ArtifactType.CONFIGURATION, revision, "ab".repeat(32), 6, false), "admin",
                1_700_000_000_000L + revision);
    }

    private Path log() {
        return dir.resolve("revisions.log");
    }

    private List<Change> reopen() throws IOException {
        List<Change> read = new ArrayList<>();
        RevisionLog.open(log(), read).close();
        return read;
    }

    private void write(long... revisions) throws IOException {
        try (RevisionLog log = RevisionLog.open(log(), new ArrayList<>())) {
            for (long revision : revisions) {
                log.append(put(revision, "a" + revision + ".cfg"));
            }
        }
    }

    @Test
    void changesReadBackInOrder() throws IOException {
        write(1, 2, 3);
        assertEquals(List.of(put(1, "a1.cfg"), put(2, "a2.cfg"), put(3, "a3.cfg")), reopen());
    }

    @Test
    void aLineCutShortAtTheEndIsDroppedAndTheLogRepaired() throws IOException {
        write(1, 2);
        Files.writeString(log(), "3\tput\tconfigur", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(2, reopen().size());
        assertEquals(2, Files.readString(log()).split("\n", -1).length - 1, "the torn bytes are gone");
        assertTrue(Files.readString(log()).endsWith("\n"));
        write(3);
        assertEquals(3, reopen().size(), "the next change lands right after the last good one");
    }

    @Test
    void aDamagedLineInTheMiddleStopsTheStartNamingFileAndLine() throws IOException {
        write(1, 2, 3);
        List<String> lines = Files.readAllLines(log());
        lines.set(1, "2\tput\tgarbage");
        Files.write(log(), lines);
        String before = Files.readString(log());
        RevisionLog.CorruptLogException refused = assertThrows(RevisionLog.CorruptLogException.class, this::reopen);
        assertTrue(refused.getMessage().contains(log() + " line 2 is damaged"), refused.getMessage());
        assertTrue(refused.getMessage().contains("1 more lines follow"), refused.getMessage());
        assertEquals(before, Files.readString(log()), "nothing is truncated");
    }

    @Test
    void revisionsThatDoNotIncreaseAreDamageToo() throws IOException {
        write(1, 2, 3);
        List<String> lines = Files.readAllLines(log());
        lines.set(1, lines.get(1).replaceFirst("^2", "1"));
        Files.write(log(), lines);
        RevisionLog.CorruptLogException refused = assertThrows(RevisionLog.CorruptLogException.class, this::reopen);
        assertTrue(refused.getMessage().contains("revision 1 does not follow revision 1"), refused.getMessage());
    }

    @Test
    void linesOfTheFirstFormatReadAsTheDeployFoldersChanges() throws IOException {
        Files.writeString(log(), "1\tput\tbundle\t" + "cd".repeat(32) + "\t5122\thello.jar\n2\tdel\tbundle\t-\t0\thello.jar\n");
        List<Change> read = reopen();
        assertEquals(2, read.size());
        assertEquals(Change.DEPLOY_FOLDER, read.get(0).by());
        assertTrue(read.get(1).artifact().deleted());
    }

    @Test
    void aRewriteReplacesTheWholeFileAtOnce() throws IOException {
        write(1, 2, 3);
        RevisionLog.rewrite(log(), List.of(put(7, "seven.cfg")));
        assertEquals(List.of(put(7, "seven.cfg")), reopen());
    }
}
