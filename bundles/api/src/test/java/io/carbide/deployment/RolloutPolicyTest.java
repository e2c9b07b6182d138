package io.carbide.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutPolicyTest {

    private static final List<String> EIGHT = List.of("w8", "w7", "w6", "w5", "w4", "w3", "w2", "w1");

    @Test
    void aCanaryThenRisingSharesOfTheWorkersSortedByName() {
        RolloutPolicy policy = RolloutPolicy.parse("1", "50%,100%", "10", "0.05");
        assertEquals(List.of(List.of("w1"), List.of("w2", "w3", "w4"), List.of("w5", "w6", "w7", "w8")), policy.plan(EIGHT));
        assertEquals(List.of(List.of("w1"), List.of("w2")), policy.plan(List.of("w2", "w1")), "an empty wave is left out");
        assertEquals(List.of(), policy.plan(List.of()));
        assertEquals(List.of(List.of("w1", "w2"), List.of("w3", "w4", "w5", "w6", "w7", "w8")),
                RolloutPolicy.parse("2", "", "", "").plan(EIGHT), "blank waves: all the rest at once");
        assertEquals(List.of(List.of("w1", "w2"), List.of("w3", "w4"), List.of("w5", "w6", "w7", "w8")),
                RolloutPolicy.parse("0", "25, 50 ,100", "", "").plan(EIGHT), "no canary, and % is optional");
    }

    @Test
    void aBadPolicyIsOneLineThatSaysHowToWriteIt() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parse("1", "50%", "", ""))
                .getMessage().contains("100%"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parse("1", "50%,40%,100%", "", ""))
                .getMessage().contains("rising"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parse("one", "", "", ""))
                .getMessage().contains("canary 'one'"));
        assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parse("1", "", "", "5%"));
        assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parse("1", "", "", "1.5"));
        assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parse("-1", "", "", ""));
    }

    @Test
    void aRolloutAdmitsItsWavesAndHoldsEveryoneElseAtItsStart() {
        Rollout rollout = new Rollout("a.jar", 4, 5, List.of(List.of("w1"), List.of("w2")), 1, Rollout.State.RUNNING, 5,
                0.05, "", "ops", 0, 0);
        assertEquals(5, rollout.ceilingFor("w1", 5));
        assertEquals(4, rollout.ceilingFor("w2", 5));
        assertEquals(4, rollout.ceilingFor("late-joiner", 5));
        Rollout done = new Rollout("a.jar", 4, 5, rollout.waves(), 2, Rollout.State.COMPLETED, 5, 0.05, "", "ops", 0, 0);
        assertEquals(5, done.ceilingFor("late-joiner", 5));
    }
}
