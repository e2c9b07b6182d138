package io.carbide.management.internal.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Rollout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutJudgeTest {

    private static final List<List<String>> WAVES = List.of(List.of("w1"), List.of("w2", "w3"));

    private static Rollout rollout(int admitted, Rollout.State state) {
        return new Rollout("app.jar", 4, 5, WAVES, admitted, state, 10, 0.05, "", "ops", 0, 0);
    }

    private static RolloutJudge.Seen applied(String node) {
        return new RolloutJudge.Seen(node, true, 5, "active", "", true, "", 0, 0);
    }

    private static Map<String, RolloutJudge.Seen> seen(RolloutJudge.Seen... nodes) {
        Map<String, RolloutJudge.Seen> seen = new HashMap<>();
        for (RolloutJudge.Seen node : nodes) {
            seen.put(node.node(), node);
        }
        return seen;
    }

    @Test
    void aWaveAdvancesOnlyOnceItHasBeenAppliedAndHealthyForTheSettleTime() {
        RolloutJudge judge = new RolloutJudge(300_000);
        Rollout canary = rollout(1, Rollout.State.RUNNING);
        RolloutJudge.Seen pending = new RolloutJudge.Seen("w1", true, 4, "", "", true, "", 0, 0);
        assertEquals(RolloutJudge.Kind.WAIT, judge.judge(canary, seen(pending), 0).kind());
        assertEquals(RolloutJudge.Kind.WAIT, judge.judge(canary, seen(applied("w1")), 1_000).kind(), "settling from now");
        assertEquals(RolloutJudge.Kind.WAIT, judge.judge(canary, seen(applied("w1")), 10_999).kind());
        assertEquals(RolloutJudge.Kind.ADVANCE, judge.judge(canary, seen(applied("w1")), 11_000).kind());
        assertEquals(RolloutJudge.Kind.WAIT, judge.judge(rollout(1, Rollout.State.PAUSED), seen(applied("w1")), 99_000).kind(),
                "a paused rollout does not advance");
    }

    @Test
    void aBundleStoredButNotStartedIsNotApplied() {
        Rollout canary = rollout(1, Rollout.State.RUNNING);
        RolloutJudge.Seen stored = new RolloutJudge.Seen("w1", true, 5, "installed", "", true, "", 0, 0);
        assertEquals(false, RolloutJudge.applied(canary, stored));
        assertEquals(true, RolloutJudge.applied(canary, applied("w1")));
    }

    @Test
    void aFailedArtifactALastingUnhealthyNodeOrTooManyErrorsHalt() {
        Rollout second = rollout(2, Rollout.State.RUNNING);
        RolloutJudge.Seen failed = new RolloutJudge.Seen("w2", true, 5, "failed", "activator threw", true, "", 0, 0);
        RolloutJudge.Verdict verdict = new RolloutJudge(300_000).judge(second, seen(applied("w1"), failed, applied("w3")), 0);
        assertEquals(RolloutJudge.Kind.HALT, verdict.kind());
        assertEquals("app.jar failed on w2: activator threw", verdict.reason());

        RolloutJudge judge = new RolloutJudge(300_000);
        RolloutJudge.Seen sick = new RolloutJudge.Seen("w1", true, 5, "active", "", false, "lagging", 0, 0);
        assertEquals(RolloutJudge.Kind.WAIT, judge.judge(second, seen(sick), 0).kind(), "a blip is not a failure");
        assertEquals(RolloutJudge.Kind.HALT, judge.judge(second, seen(sick), RolloutJudge.UNHEALTHY_GRACE_MILLIS).kind(),
                "an earlier wave that stops being ready halts it too");

        RolloutJudge.Seen erring = new RolloutJudge.Seen("w1", true, 5, "active", "", true, "", 100, 6);
        verdict = new RolloutJudge(300_000).judge(rollout(1, Rollout.State.PAUSED), seen(erring), 0);
        assertEquals(RolloutJudge.Kind.HALT, verdict.kind(), "even paused");
        assertTrue(verdict.reason().contains("6.0% of its 100 client requests"), verdict.reason());
        RolloutJudge.Seen fewRequests = new RolloutJudge.Seen("w1", true, 5, "active", "", true, "", 10, 5);
        assertEquals(RolloutJudge.Kind.WAIT, new RolloutJudge(300_000).judge(rollout(1, Rollout.State.RUNNING),
                seen(fewRequests), 0).kind(), "ten requests say nothing about a rate");
    }

    @Test
    void aWaveThatNeverAppliesHaltsAfterTheWaveTimeout() {
        RolloutJudge judge = new RolloutJudge(60_000);
        Rollout canary = rollout(1, Rollout.State.RUNNING);
        RolloutJudge.Seen slow = new RolloutJudge.Seen("w1", true, 4, "", "", true, "", 0, 0);
        assertEquals(RolloutJudge.Kind.WAIT, judge.judge(canary, seen(slow), 0).kind());
        RolloutJudge.Verdict verdict = judge.judge(canary, seen(slow), 60_000);
        assertEquals(RolloutJudge.Kind.HALT, verdict.kind());
        assertTrue(verdict.reason().startsWith("w1 did not apply app.jar"), verdict.reason());
    }

    @Test
    void anAdmittedNodeThatLeavesTheClusterHaltsItAfterTheGrace() {
        RolloutJudge judge = new RolloutJudge(300_000);
        Rollout second = rollout(2, Rollout.State.RUNNING);
        RolloutJudge.Seen gone = new RolloutJudge.Seen("w1", false, -1, "", "", false, "not in the cluster", 0, 0);
        assertEquals(RolloutJudge.Kind.WAIT, judge.judge(second, seen(gone, applied("w2"), applied("w3")), 0).kind());
        RolloutJudge.Verdict verdict = judge.judge(second, seen(gone, applied("w2"), applied("w3")),
                RolloutJudge.UNHEALTHY_GRACE_MILLIS);
        assertEquals(RolloutJudge.Kind.HALT, verdict.kind());
        assertEquals("w1 left the cluster during the rollout of app.jar", verdict.reason());
    }
}
