package io.carbide.cluster;

/**
 * Told when this manager's consensus state changes: its role, the term, the leader, or which
 * managers it can reach. Register one as a service (whiteboard).
 */
public interface ConsensusListener {

    void consensusChanged(ConsensusState state);
}
