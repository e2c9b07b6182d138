package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
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

    private static Artifact put(long revision, String name) {
        return new Artifact(name, ArtifactType.CONFIGURATION, revision, "ab".repeat(32), 6, false);
    }

    private Path log() {
        return dir.resolve("revisions.log");
    }

    private List<Artifact> reopen() throws IOException {
        List<Artifact> read = new ArrayList<>();
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
        assertTrue(Files.readString(log()).endsWith("a2.cfg\n"), "the torn bytes are gone");
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
    void theHighWaterMarkKeepsANumberLostInACrashFromBeingHandedOutAgain() throws IOException {
        write(1, 2, 3);
        // revision 3's line lost (as if its write never reached the disk), its number already handed out
        List<String> lines = Files.readAllLines(log());
        Files.write(log(), lines.subList(0, 2));
        try (RevisionLog log = RevisionLog.open(log(), new ArrayList<>())) {
            assertEquals(3, log.highWater());
        }
    }

    @Test
    void aTornHighWaterMarkFallsBackToTheLog() throws IOException {
        write(1, 2);
        Files.writeString(dir.resolve("revisions.hwm"), "hwm 9 crc 0\n");
        try (RevisionLog log = RevisionLog.open(log(), new ArrayList<>())) {
            assertEquals(0, log.highWater(), "an unreadable mark counts as absent; the log's last revision rules");
        }
    }
}
