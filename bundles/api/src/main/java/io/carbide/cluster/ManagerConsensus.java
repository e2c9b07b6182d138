package io.carbide.cluster;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Consensus among the domain's managers: one log of commands that every manager applies in the
 * same order, a command counting once a majority of the managers holds it (Raft, on a channel of
 * the managers' own). Registered on managers only, once a {@link ReplicatedStateMachine} gives the
 * log its meaning.
 */
public interface ManagerConsensus {

    /**
     * Proposes a command. Any manager may: a follower forwards it to the leader.
     *
     * @return the state machine's answer once the command is committed and applied here; fails
     *     with {@link NoQuorumException} when no majority of the managers is reachable
     */
    CompletionStage<byte[]> propose(byte[] command, Duration timeout);

    /** This manager's view of the consensus now. */
    ConsensusState state();

    /** Adds a manager to the voting members (through the leader). */
    CompletionStage<Void> addManager(String name, Duration timeout);

    /** Removes a manager from the voting members (through the leader). */
    CompletionStage<Void> removeManager(String name, Duration timeout);
}
