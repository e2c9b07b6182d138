package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.carbide.deployment.NodeDeployment;

import java.util.List;

import org.junit.jupiter.api.Test;

class RolloutTargetsTest {

    private static NodeDeployment report(String node, String repositoryId) {
        return new NodeDeployment(node, repositoryId, 7, List.of(), "mgr-1", List.of(), 0);
    }

    @Test
    void aWorkerWhoseReportHasNotArrivedYetGetsAWaveOfItsOwn() {
        // a manager rebuilt from a snapshot had heard w-1 but not yet w-2 when a rollout started through it
        RolloutTargets targets = RolloutTargets.of(List.of("w-1", "w-2"), List.of(report("w-1", "repo-a")), "repo-a");

        assertEquals(List.of("w-1", "w-2"), targets.workers());
        assertEquals(List.of(), targets.leftOut());
        assertEquals(List.of("w-2"), targets.unheard(), "named in the log line, for whoever wonders why");
    }

    @Test
    void aWorkerThatFollowsNoRepositoryYetIsCounted() {
        RolloutTargets targets = RolloutTargets.of(List.of("w-1"), List.of(report("w-1", "")), "repo-a");

        assertEquals(List.of("w-1"), targets.workers());
    }

    @Test
    void aWorkerThatFollowsAnotherRepositoryIsLeftOutAndNamed() {
        RolloutTargets targets = RolloutTargets.of(List.of("w-1", "w-2", "w-3"),
                List.of(report("w-1", "repo-a"), report("w-2", "repo-b"), report("gone", "repo-a")), "repo-a");

        assertEquals(List.of("w-1", "w-3"), targets.workers(), "a report of a node not in the view plans nothing");
        assertEquals(List.of("w-2 follows repository repo-b"), targets.leftOut());
    }
}
