package io.carbide.cluster;

import java.util.List;

/**
 * One manager's view of the managers' consensus.
 *
 * @param self this manager's name (its Raft id)
 * @param role its role now
 * @param term the Raft term it knows
 * @param leader the leader's name, or empty when there is none (no quorum, or an election)
 * @param commitIndex the last log index it knows to be committed
 * @param lastAppended the last log index it holds
 * @param members the managers that vote
 * @param reachable the members it can reach now (itself included)
 * @param problem why it takes no part, when it does not (e.g. refused after losing its data), else empty
 */
public record ConsensusState(String self, Role role, long term, String leader, long commitIndex, long lastAppended,
        List<String> members, List<String> reachable, String problem) {

    /** A manager's part in the consensus. */
    public enum Role {
        LEADER, FOLLOWER, STARTING, REFUSED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public int majority() {
        return members.size() / 2 + 1;
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }

    public boolean hasLeader() {
        return !leader.isEmpty();
    }

    /**
     * The message a refused change carries when no leader can commit it: a majority out of reach,
     * or, with a majority reachable, an election still under way (a leader was just killed, or the
     * managers are starting), which an operator need not mend.
     */
    public String noQuorumMessage() {
        String who = reachable.size() + " of " + members.size() + " managers reachable (" + String.join(", ", reachable)
                + ")";
        return reachable.size() >= majority()
                ? "no leader yet: " + who + ", a majority, are electing one; changes are refused until it is elected"
                : "no quorum: " + who + "; changes are refused until a majority is back";
    }
}
