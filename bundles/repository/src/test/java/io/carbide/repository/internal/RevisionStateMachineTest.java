package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import io.carbide.deployment.Rollout;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    void aWaitForARevisionEndsWhenItIsAppliedAndGivesUpAtItsTimeout() throws Exception {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        assertFalse(machine.await(() -> machine.revision() >= 1, Duration.ofMillis(50)),
                "nothing applied revision 1 yet");
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return machine.await(() -> machine.revision() >= 1, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertFalse(waiting.isDone());
        apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, A, 10, "admin", 5));
        assertTrue(waiting.get(5, TimeUnit.SECONDS), "the change applied woke the wait, long before its 30 s");
    }

    @Test
    void theFirstInitOrRestoreWinsAndLaterOnesAreIgnored() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        List<Change> carried = List.of(new Change(new Artifact("s.zip", ArtifactType.WEBAPP, 4, A, 3, false),
                Change.DEPLOY_FOLDER, 0));
        apply(machine, RevisionCommands.restore("old-repo", 1, carried, 2, 1));
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

    private static final String C = "cc".repeat(32);

    @Test
    void aRollbackBringsBackEveryArtifactAsItWasInOneStep() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, A, 10, "admin", 5)); // 1
        apply(machine, RevisionCommands.put("site.zip", ArtifactType.WEBAPP, B, 20, "admin", 6)); // 2
        apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, C, 11, "admin", 7)); // 3: a changed
        apply(machine, RevisionCommands.delete("site.zip", "admin", 8)); // 4: site gone
        apply(machine, RevisionCommands.put("new.cfg", ArtifactType.CONFIGURATION, A, 1, "admin", 9)); // 5: new one
        List<String> told = new ArrayList<>();
        machine.addListener(new RevisionStateMachine.Listener() {
            @Override
            public void applied(Change change, Artifact before) {
                told.add(change.artifact().name() + "@" + machine.revision());
            }

            @Override
            public void replaced() {
                told.add("replaced");
            }
        });

        RevisionCommands.Answer answer = apply(machine, RevisionCommands.rollback(2, "ops", 10));
        assertEquals(RevisionCommands.Outcome.RECORDED, answer.outcome());
        assertEquals(8, machine.revision(), "three artifacts differ from revision 2: three changes");
        assertEquals(List.of("a.jar@8", "new.cfg@8", "site.zip@8"), told,
                "listeners hear of the rollback once all of it is recorded");
        assertEquals(machine.stateAt(2).values().stream().filter(a -> !a.deleted()).map(a -> a.name() + " " + a.sha256())
                .toList(), machine.artifacts().stream().map(a -> a.name() + " " + a.sha256()).toList());
        List<Change> rollback = machine.history(Optional.empty()).subList(5, 8);
        assertTrue(rollback.stream().allMatch(c -> c.rollbackTo() == 2 && c.by().equals("ops") && c.kind().equals("rollback")));
        assertTrue(machine.latest("new.cfg").orElseThrow().deleted(), "what did not exist then is removed");

        assertEquals(RevisionCommands.Outcome.UNCHANGED, apply(machine, RevisionCommands.rollback(2, "ops", 11)).outcome());
        assertEquals(RevisionCommands.Outcome.ABSENT, apply(machine, RevisionCommands.rollback(99, "ops", 12)).outcome());
        assertEquals(RevisionCommands.Outcome.ABSENT, apply(machine, RevisionCommands.rollback(0, "ops", 12)).outcome());
    }

    @Test
    void compactionKeepsEveryRetainedRevisionReachableAndRefusesOlderOnes() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        String[] contents = {A, B, C, A, B, C};
        for (int i = 0; i < contents.length; i++) { // 1..6: a.jar changes every time; keep.cfg at 2
            apply(machine, RevisionCommands.put("a.jar", ArtifactType.BUNDLE, contents[i], i, "admin", 100 + i));
            if (i == 1) {
                apply(machine, RevisionCommands.put("keep.cfg", ArtifactType.CONFIGURATION, C, 1, "admin", 100));
            }
        }
        assertEquals(7, machine.revision());
        java.util.Map<Long, java.util.Map<String, Artifact>> before = new java.util.HashMap<>();
        for (long r = 5; r <= 7; r++) {
            before.put(r, machine.stateAt(r));
        }
        assertEquals(5, machine.retentionPoint(3, Long.MAX_VALUE), "the last 3 revisions");
        assertEquals(2, machine.retentionPoint(3, 101), "and everything made since time 101");
        assertEquals(RevisionCommands.Outcome.RECORDED, apply(machine, RevisionCommands.compact(5)).outcome());
        assertEquals(5, machine.retainedFrom());
        for (long r = 5; r <= 7; r++) {
            assertEquals(before.get(r), machine.stateAt(r), "revision " + r + " is still what it was");
        }
        assertTrue(machine.history(Optional.of("keep.cfg")).size() == 1, "a name's only change is never dropped");
        assertTrue(List.of(A, B, C).stream().allMatch(machine::refersTo));
        assertEquals(RevisionCommands.Outcome.GONE, apply(machine, RevisionCommands.rollback(4, "ops", 1)).outcome());
        assertEquals(RevisionCommands.Outcome.RECORDED, apply(machine, RevisionCommands.rollback(5, "ops", 1)).outcome());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        machine.writeSnapshot(new DataOutputStream(bytes));
        RevisionStateMachine copy = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        copy.readSnapshot(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(5, copy.retainedFrom(), "the snapshot carries the retention point");
        assertEquals(machine.history(Optional.empty()), copy.history(Optional.empty()), "and the rollback marks");
    }

    @Test
    void aNodeWhoseRevisionIsAnotherChangeThanTheManagersGetsTheFullState() throws IOException {
        // what the fleet saw: app.jar A at revision 1, then B at revision 2
        RevisionStateMachine lost = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(lost, RevisionCommands.init("repo", 1));
        apply(lost, RevisionCommands.put("app.jar", ArtifactType.BUNDLE, A, 10, "deploy folder", 5));
        apply(lost, RevisionCommands.put("app.jar", ArtifactType.BUNDLE, B, 11, "deploy folder", 6));
        ReplicationProtocol.Changes applied = lost.changesFor("w1", "repo", 0, "", 1);
        assertEquals(2, applied.revision());
        assertFalse(applied.stamp().isEmpty(), "the node learns the stamp of the revision it reaches");

        // the managers came back from a copy at revision 1 and recorded another change as revision 2
        RevisionStateMachine restored = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(restored, RevisionCommands.init("repo", 1));
        apply(restored, RevisionCommands.put("app.jar", ArtifactType.BUNDLE, A, 10, "deploy folder", 5));
        apply(restored, RevisionCommands.put("other.jar", ArtifactType.BUNDLE, C, 12, "deploy folder", 9));
        ReplicationProtocol.Changes parted = restored.changesFor("w1", "repo", 2, applied.stamp(), 1);
        assertTrue(parted.full(), "not an empty list of changes as if the node were in step");
        assertEquals(List.of("app.jar", "other.jar"), parted.artifacts().stream().map(Artifact::name).toList());

        // the same history answers with what follows; an unknown stamp (an earlier node) is not compared
        apply(lost, RevisionCommands.put("third.jar", ArtifactType.BUNDLE, C, 12, "deploy folder", 7));
        ReplicationProtocol.Changes next = lost.changesFor("w1", "repo", 2, applied.stamp(), 1);
        assertFalse(next.full());
        assertEquals(List.of("third.jar"), next.artifacts().stream().map(Artifact::name).toList());
        assertFalse(restored.changesFor("w1", "repo", 2, "", 1).full());
        assertEquals(next.stamp(), lost.changesFor("w1", "repo", 3, next.stamp(), 1).stamp());
    }

    @Test
    void aStagedRolloutHoldsBackEveryNodeOutsideItsWavesUntilItCompletes() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        apply(machine, RevisionCommands.put("app.jar", ArtifactType.BUNDLE, A, 10, "ops", 1)); // 1
        RevisionCommands.Answer started = apply(machine, RolloutCommands.start("app.jar", ArtifactType.BUNDLE, B, 11, "ops",
                2, List.of(List.of("w1"), List.of("w2", "w3")), 5, 0.05));
        assertEquals(2, started.artifact().revision());
        Rollout rollout = machine.rollout().orElseThrow();
        assertEquals(1, rollout.fromRevision());
        assertEquals(Rollout.State.RUNNING, rollout.state());

        // the canary gets revision 2; the others are told revision 1 is all there is, in sync there
        assertEquals(2, machine.changesFor("w1", "repo", 1, 1).revision());
        assertEquals(B, machine.changesFor("w1", "repo", 1, 1).artifacts().get(0).sha256());
        ReplicationProtocol.Changes held = machine.changesFor("w2", "repo", 1, 1);
        assertEquals(1, held.revision());
        assertEquals(List.of(), held.artifacts());
        ReplicationProtocol.Changes fresh = machine.changesFor("w9", "", 0, 1);
        assertTrue(fresh.full());
        assertEquals(A, fresh.artifacts().get(0).sha256(), "a node that joins during the rollout starts at revision 1");

        // only the rollout may change the repository while it runs
        assertEquals(RevisionCommands.Outcome.IGNORED,
                apply(machine, RevisionCommands.put("other.jar", ArtifactType.BUNDLE, A, 1, "ops", 3)).outcome());
        assertEquals(RevisionCommands.Outcome.IGNORED, apply(machine, RevisionCommands.rollback(1, "ops", 3)).outcome());
        assertEquals(RevisionCommands.Outcome.IGNORED, apply(machine, RolloutCommands.start("x.jar", ArtifactType.BUNDLE,
                A, 1, "ops", 3, List.of(List.of("w1")), 5, 0.05)).outcome());
        assertEquals(1, machine.retentionPoint(1, Long.MAX_VALUE), "a halt must still reach revision 1");

        // steps apply once, in order, to the rollout they name
        assertEquals(RevisionCommands.Outcome.IGNORED, apply(machine, RolloutCommands.advance(2, 3, 4)).outcome());
        assertEquals(RevisionCommands.Outcome.IGNORED, apply(machine, RolloutCommands.advance(7, 2, 4)).outcome());
        assertEquals(RevisionCommands.Outcome.RECORDED, apply(machine, RolloutCommands.advance(2, 2, 4)).outcome());
        assertEquals(RevisionCommands.Outcome.IGNORED, apply(machine, RolloutCommands.advance(2, 2, 4)).outcome());
        assertEquals(2, machine.changesFor("w3", "repo", 1, 1).revision());
        assertEquals(RevisionCommands.Outcome.RECORDED, apply(machine, RolloutCommands.pause(2, "ops", 5, false)).outcome());
        assertEquals(RevisionCommands.Outcome.IGNORED, apply(machine, RolloutCommands.advance(2, 3, 5)).outcome());
        assertEquals(RevisionCommands.Outcome.RECORDED, apply(machine, RolloutCommands.pause(2, "ops", 6, true)).outcome());
        assertEquals(RevisionCommands.Outcome.RECORDED, apply(machine, RolloutCommands.advance(2, 3, 7)).outcome());
        assertEquals(Rollout.State.COMPLETED, machine.rollout().orElseThrow().state());
        assertEquals(2, machine.changesFor("w9", "repo", 1, 1).revision(), "once complete, everyone follows the newest");
    }

    @Test
    void haltingRollsBackTheChangeInTheSameStepAndTheHeldNodesNeverSeeIt() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        apply(machine, RevisionCommands.put("app.jar", ArtifactType.BUNDLE, A, 10, "ops", 1)); // 1
        apply(machine, RolloutCommands.start("new.jar", ArtifactType.BUNDLE, B, 11, "ops", 2,
                List.of(List.of("w1"), List.of("w2")), 5, 0.05)); // 2
        assertEquals(RevisionCommands.Outcome.RECORDED,
                apply(machine, RolloutCommands.halt(2, "new.jar failed on w1", "staged rollout", 3, false)).outcome());
        Rollout halted = machine.rollout().orElseThrow(); // before the next command, as every manager applies it
        assertEquals(Rollout.State.HALTED, halted.state());
        assertEquals("new.jar failed on w1", halted.reason());
        assertEquals(3, machine.revision(), "the removal of new.jar, as part of the same step");
        assertTrue(machine.latest("new.jar").orElseThrow().deleted());
        ReplicationProtocol.Changes w2 = machine.changesFor("w2", "repo", 1, 1);
        assertEquals(3, w2.revision());
        assertTrue(w2.artifacts().stream().allMatch(Artifact::deleted), "w2 only learns it is gone: " + w2.artifacts());
        assertEquals(RevisionCommands.Outcome.IGNORED,
                apply(machine, RolloutCommands.halt(2, "again", "ops", 4, true)).outcome(), "an ended rollout stays ended");
        assertEquals(3, snapshotFormat(machine), "an ended rollout is not kept: the version before reads the snapshot");
    }

    @Test
    void haltingTheFirstChangeOfAnEmptyRepositoryRemovesIt() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        apply(machine, RolloutCommands.start("first.jar", ArtifactType.BUNDLE, A, 10, "ops", 1,
                List.of(List.of("w1"), List.of("w2")), 5, 0.05)); // 1, from revision 0
        assertEquals(0, machine.rollout().orElseThrow().fromRevision());
        assertEquals(0, machine.changesFor("w2", "", 0, 1).artifacts().size(), "a new node starts with nothing");
        apply(machine, RolloutCommands.halt(1, "first.jar failed on w1", "staged rollout", 2, false));
        assertTrue(machine.latest("first.jar").orElseThrow().deleted(), "rolled back to nothing at all");
        assertEquals(List.of(), machine.artifacts());
    }

    @Test
    void aSnapshotTakenDuringARolloutCarriesItAndItsGate() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        apply(machine, RevisionCommands.put("app.jar", ArtifactType.BUNDLE, A, 10, "ops", 1));
        apply(machine, RolloutCommands.start("app.jar", ArtifactType.BUNDLE, B, 11, "ops", 2,
                List.of(List.of("w1"), List.of("w2")), 5, 0.05));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        machine.writeSnapshot(new DataOutputStream(bytes));
        assertEquals(4, bytes.toByteArray()[0]);
        RevisionStateMachine copy = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        copy.readSnapshot(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(machine.rollout(), copy.rollout());
        assertEquals(1, copy.changesFor("w2", "repo", 1, 1).revision(), "the copy holds w2 back too");
    }

    @Test
    void managerRecordsAreWrittenOnlyFromTheVersionReadAndNeverReachAWorker() throws IOException {
        RevisionStateMachine machine = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(machine, RevisionCommands.init("repo", 1));
        apply(machine, RevisionCommands.put("app.jar", ArtifactType.BUNDLE, A, 10, "ops", 1));
        byte[] users = "admin = pbkdf2:1:x:y".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(RevisionCommands.Outcome.RECORDED,
                apply(machine, RevisionCommands.record("management.users", 0, users)).outcome());
        assertEquals(RevisionCommands.Outcome.IGNORED,
                apply(machine, RevisionCommands.record("management.users", 0, new byte[1])).outcome(),
                "a second write from the version the first replaced is refused, never lost over the first");
        assertEquals(1, machine.record("management.users").version());
        assertEquals(1, machine.revision(), "a record is no revision: workers have nothing new to apply");
        assertEquals(List.of("app.jar"), machine.changesFor("w1", "other", 0, 1).artifacts().stream()
                .map(Artifact::name).toList());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        machine.writeSnapshot(new DataOutputStream(bytes));
        assertEquals(5, bytes.toByteArray()[0], "format 5 once a record exists");
        RevisionStateMachine copy = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        copy.readSnapshot(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(1, copy.record("management.users").version());
        assertTrue(java.util.Arrays.equals(users, copy.record("management.users").value()));
        assertEquals(machine.history(Optional.empty()), copy.history(Optional.empty()));
        RevisionStateMachine plain = new RevisionStateMachine(RevisionStateMachineTest::noHalt);
        apply(plain, RevisionCommands.init("repo", 1));
        assertEquals(2, snapshotFormat(plain), "without records a snapshot stays in a format earlier versions read");
    }

    private static int snapshotFormat(RevisionStateMachine machine) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        machine.writeSnapshot(new DataOutputStream(bytes));
        return bytes.toByteArray()[0];
    }

    private static void noHalt(String reason) {
        throw new AssertionError("the manager was stopped: " + reason);
    }
}
