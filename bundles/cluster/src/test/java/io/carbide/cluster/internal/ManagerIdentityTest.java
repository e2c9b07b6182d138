package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.internal.ManagerIdentity.Answer;
import io.carbide.cluster.internal.ManagerIdentity.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagerIdentityTest {

    private static final String PROCEDURE = "Remove it, then add it back.";

    @Test
    void aManagerThatLostItsLogIsRefusedWhileTheOthersStillCountItAsAVoter() {
        var decision = ManagerIdentity.decide("m2",
                List.of(new Answer("m1", true, true, List.of("m1", "m2", "m3"), "old-incarnation")), false, PROCEDURE);
        assertEquals(Verdict.REFUSE, decision.verdict());
        assertTrue(decision.why().contains("m1") && decision.why().endsWith(PROCEDURE), decision.why());
    }

    @Test
    void aManagerAddedBackUnderNoKnownIncarnationProceeds() {
        assertEquals(Verdict.PROCEED, ManagerIdentity.decide("m2",
                List.of(new Answer("m1", true, true, List.of("m1", "m2"), "")), false, PROCEDURE).verdict());
    }

    @Test
    void aManagerThatCannotVouchYetMakesTheNewOneWait() {
        assertEquals(Verdict.WAIT, ManagerIdentity.decide("m2",
                List.of(new Answer("m1", true, false, List.of(), "")), false, PROCEDURE).verdict());
    }

    @Test
    void nobodyToAskMeansWaitingUnlessThisManagerVotesAlone() {
        assertEquals(Verdict.WAIT, ManagerIdentity.decide("m2", List.of(), false, PROCEDURE).verdict());
        assertEquals(Verdict.PROCEED, ManagerIdentity.decide("m1", List.of(), true, PROCEDURE).verdict());
    }

    @Test
    void managersAsNewAsThisOneStartANewConsensusTogether() {
        assertEquals(Verdict.PROCEED, ManagerIdentity.decide("m1",
                List.of(new Answer("m2", false, false, List.of(), ""), new Answer("m3", false, false, List.of(), "")),
                false, PROCEDURE).verdict());
    }

    @Test
    void anAnswerRoundTripsAndAnEarlierVersionsAnswerReadsAsNotJoined() throws IOException {
        Answer read = ManagerIdentity.answer("m1",
                ManagerIdentity.answer(true, true, List.of("m1", "m2"), "inc-1"));
        assertEquals(new Answer("m1", true, true, List.of("m1", "m2"), "inc-1"), read);
        var earlier = ManagerIdentity.answer(true, true, List.of("m1"), "inc-1");
        byte[] withoutJoined = Arrays.copyOf(earlier.payload(), earlier.payload().length - 1);
        Answer old = ManagerIdentity.answer("m1",
                new ClusterMessage(earlier.type(), earlier.version(), withoutJoined));
        assertFalse(old.joined());
        assertEquals(List.of("m1"), old.members());
    }

    @Test
    void anIncarnationLastsAsLongAsTheLogAndIsDrawnAnewWithoutIt(@TempDir Path data) throws IOException {
        ManagerIdentity identity = new ManagerIdentity(data);
        assertTrue(identity.isFresh());
        String first = identity.incarnation();
        Files.createDirectories(data.resolve("raft.log"));
        assertFalse(identity.isFresh());
        assertEquals(first, identity.incarnation(), "a manager with its log keeps its incarnation");
        Files.delete(data.resolve("raft.log"));
        assertNotEquals(first, identity.incarnation(), "a manager that lost its log is a new incarnation");
    }
}
