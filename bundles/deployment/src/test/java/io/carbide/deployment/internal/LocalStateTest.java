package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker finds in {@code data/deployment/state.json} when it starts again. */
class LocalStateTest {

    @TempDir
    Path dir;

    private static Artifact app(String name, long revision, char digit) {
        return new Artifact(name, ArtifactType.WEBAPP, revision, String.valueOf(digit).repeat(64), 10 + revision, false);
    }

    @Test
    void eachWriteReadsBackAsWrittenAsArtifactsComeAreReplacedAndGo() throws IOException {
        LocalState state = new LocalState(dir.resolve("state.json"));
        Artifact a = app("a.zip", 1, 'a');
        Artifact b = app("b \"quoted\" \u00e9.zip", 2, 'b');
        List<List<Artifact>> batches = List.of(List.of(a), List.of(a, b), List.of(app("a.zip", 3, 'c'), b),
                List.of(b), List.of());
        long revision = 0;
        for (List<Artifact> held : batches) {
            revision++;
            LocalState.Snapshot written = new LocalState.Snapshot(LocalState.FORMAT, "repo-1", revision, 2, 1,
                    "stamp-" + revision, held);
            state.write(written);
            assertEquals(written, state.read(), "after batch " + revision);
        }
    }

    @Test
    void theFileHoldsOneArtifactPerLineUnderItsHeadFields() throws IOException {
        Path file = dir.resolve("state.json");
        new LocalState(file).write(new LocalState.Snapshot(LocalState.FORMAT, "repo-1", 2, 3, 1, "1:ab",
                List.of(app("a.zip", 1, 'a'), app("b.zip", 2, 'b'))));
        assertEquals("""
                {
                  "format": 4,
                  "repositoryId": "repo-1",
                  "revision": 2,
                  "term": 3,
                  "generation": 1,
                  "stamp": "1:ab",
                  "artifacts": [
                    {"name":"a.zip","type":"WEBAPP","revision":1,"sha256":"%s","size":11,"deleted":false},
                    {"name":"b.zip","type":"WEBAPP","revision":2,"sha256":"%s","size":12,"deleted":false}
                  ]
                }
                """.formatted("a".repeat(64), "b".repeat(64)), Files.readString(file));
    }

    @Test
    void filesOfTheFirstAndThirdFormatsAreReadForWhatTheyHave() throws IOException {
        Path file = dir.resolve("state.json");
        // format 1: no format, no term; format 3: no stamp
        Files.writeString(file, """
                {"repositoryId": "repo-1", "revision": 4, "artifacts": []}
                """);
        assertEquals(new LocalState.Snapshot(LocalState.FORMAT, "repo-1", 4, 0, 0, "", List.of()),
                new LocalState(file).read());
        Files.writeString(file, """
                {"format": 3, "repositoryId": "repo-1", "revision": 5, "term": 2, "generation": 1, "artifacts": []}
                """);
        assertEquals(new LocalState.Snapshot(LocalState.FORMAT, "repo-1", 5, 2, 1, "", List.of()),
                new LocalState(file).read());
        Files.writeString(file, """
                {"format": 4, "repositoryId": "repo-1", "revision": 6}
                """);
        assertEquals(LocalState.Snapshot.empty(), new LocalState(file).read(), "no artifacts named: start over");
        // written whole or not at all, so an empty file is damage: said, naming the file, not taken for a fresh start
        Files.writeString(file, "");
        IOException empty = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> new LocalState(file).read());
        assertEquals(file + " is empty", empty.getMessage());
    }

    @Test
    void aFileOfAnEarlierOrLaterVersionIsReadForWhatItHas() throws IOException {
        Path file = dir.resolve("state.json");
        // as the versions before this one wrote it (pretty, every artifact spread over lines), with a field
        // a later version might add
        Files.writeString(file, """
                {
                  "format": 4,
                  "repositoryId": "repo-1",
                  "revision": 7,
                  "term": 3,
                  "generation": 1,
                  "stamp": "s7",
                  "shardOf": "a later version's field",
                  "artifacts": [
                    {
                      "name": "a.zip",
                      "type": "WEBAPP",
                      "revision": 7,
                      "sha256": "%s",
                      "size": 17,
                      "deleted": false
                    }
                  ]
                }
                """.formatted("a".repeat(64)));
        LocalState.Snapshot read = new LocalState(file).read();
        assertEquals(new LocalState.Snapshot(LocalState.FORMAT, "repo-1", 7, 3, 1, "s7", List.of(app("a.zip", 7, 'a'))),
                read);
        new LocalState(file).write(read);
        assertTrue(Files.readString(file).contains("\n    {\"name\":\"a.zip\""), "one artifact per line");
    }
}
