package io.carbide.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConsensusStateTest {

    private static ConsensusState followerSeeing(String... reachable) {
        return new ConsensusState("mgr-1", ConsensusState.Role.FOLLOWER, 3, "", 10, 10,
                List.of("mgr-1", "mgr-2", "mgr-3"), List.of(reachable), "");
    }

    @Test
    void aRefusedChangeSaysWhetherAMajorityIsOutOfReachOrOnlyElecting() {
        assertEquals("no quorum: 1 of 3 managers reachable (mgr-1); changes are refused until a majority is back",
                followerSeeing("mgr-1").noQuorumMessage());
        // the leader was just killed: the other two are a majority, electing; nothing for an operator to mend
        assertEquals("no leader yet: 2 of 3 managers reachable (mgr-1, mgr-3), a majority, are electing one; "
                + "changes are refused until it is elected", followerSeeing("mgr-1", "mgr-3").noQuorumMessage());
    }
}
