package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.RolloutPolicy;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The cluster's default rollout policy, as the manager reads it from carbide.rollout.*. */
class DefaultRolloutPolicyTest {

    private static Optional<RolloutPolicy> read(Map<String, String> properties, String[] problem) {
        return ConsensusRepository.defaultRolloutPolicy(properties::get, problem);
    }

    @Test
    void noPropertiesMeanNoStagingAndAValidPolicyIsTaken() {
        String[] problem = new String[1];
        assertTrue(read(Map.of(), problem).isEmpty());
        assertNull(problem[0]);
        Optional<RolloutPolicy> policy = read(Map.of("carbide.rollout.canary", "1", "carbide.rollout.waves",
                "50%,100%", "carbide.rollout.settleSeconds", "20"), problem);
        assertTrue(policy.isPresent());
        assertNull(problem[0]);
        assertEquals(policy.get().describe(), RolloutPolicy.parse("1", "50%,100%", "20", null).describe());
    }

    @Test
    void anInvalidPolicyIsAProblemThatRefusesChangesNotASilentFallBackToUnstaged() {
        String[] problem = new String[1];
        assertTrue(read(Map.of("carbide.rollout.waves", "50%,banana"), problem).isEmpty());
        assertTrue(problem[0] != null && problem[0].contains("carbide.rollout.canary, .waves")
                && problem[0].contains("restart the manager"), problem[0]);
    }
}
