package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RevisionStateMachineTest {

    private static final String A = "aa".repeat(32);
    private static final String B = "bb".repeat(32);

    private static RevisionCommands.Answer apply(RevisionStateMachine machine, byte[] command) throws IOException {
        return RevisionCommands.answer(machine.apply(command));
    }

    @Test
    void revisionsCountUpAndTheSameContentRecordsNothing() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        RevisionCommands.Answer first = apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, A, 10, "admin", 5));
        assertEquals(RevisionCommands.Outcome.RECORDED, first.outcome());
        assertEquals(1, first.artifact().revision());
        assertEquals(RevisionCommands.Outcome.UNCHANGED,
                apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, A, 10, "deploy folder", 6)).outcome());
        assertEquals(2, apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, B, 11, "admin", 7)).artifact()
                .revision());
        assertEquals(3, apply(machine, RevisionCommands.delete("a.jar", "admin", 8)).artifact().revision());
        assertEquals(RevisionCommands.Outcome.ABSENT, apply(machine, RevisionCommands.delete("a.jar", "admin", 9)).outcome());
        assertEquals(3, machine.revision());
        assertEquals(List.of(), machine.artifacts());
        assertEquals("admin", machine.history(Optional.of("a.jar")).get(2).by());
    }

    @Test
    void theFirstInitOrRestoreWinsAndLaterOnesAreIgnored() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        List<Change> carried = List.of(new Change(new Artifact("s.zip", ArtifactType.WEBAPP, 4, A, 3, false),
                Change.DEPLOY_FOLDER, 0));
        apply(machine, RevisionCommands.restore("old-repo", 1, carried, 2));
        assertEquals(2, machine.generation(), "a restored repository starts a later generation");
        assertEquals(RevisionCommands.Outcome.IGNORED, apply(machine, RevisionCommands.init("new-repo", 2)).outcome());
        assertEquals("old-repo", machine.repositoryId());
        assertEquals(4, machine.revision(), "a carried-over repository keeps its revisions, so workers keep following it");
        assertEquals(5, apply(machine, RevisionCommands.put("t.cfg", ArtifactType.CONFIGURATION, B, 1, "a", 1)).artifact()
                .revision());
    }

    @Test
    void aSnapshotRebuildsTheSameState() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, A, 10, "admin", 5));
        apply(machine, RevisionCommands.put("b.zip", ArtifactType.WEBAPP, B, 20, "admin", 6));
        apply(machine, RevisionCommands.delete("a.jar", "admin", 7));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        machine.writeSnapshot(new DataOutputStream(bytes));
        RevisionStateMachine copy = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        List<String> told = new ArrayList<>();
        copy.addListener(new RevisionStateMachine.Listener() {
            @Override
            public void applied(Change change, Artifact before) {
                told.add("applied");
            }

            @Override
            public void replaced() {
                told.add("replaced");
            }
        });
        copy.readSnapshot(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(machine.repositoryId(), copy.repositoryId());
        assertEquals(machine.revision(), copy.revision());
        assertEquals(machine.history(Optional.empty()), copy.history(Optional.empty()));
        assertEquals(machine.artifacts(), copy.artifacts());
        assertEquals(List.of("replaced"), told);
    }

    @Test
    void aCommittedCommandThisVersionCannotReadStopsTheManagerInsteadOfFallingBehind() throws IOException {
        List<String> halted = new ArrayList<>();
        RevisionStateMachine machine = new RevisionStateMachine(halted::add);
        apply(machine, RevisionCommands.init("repo", 1));
        assertThrows(IOException.class, () -> machine.apply(new byte[] {1, 42, 0, 0}));
        assertEquals(1, halted.size());
        assertTrue(halted.get(0).contains("upgrade this manager"), halted.get(0));
        assertEquals(0, machine.revision());
        assertTrue(machine.history(Optional.empty()).isEmpty());
    }

    private static void noHalt(String reason) {
        throw new AssertionError("the manager was stopped: " + reason);
    }
}
