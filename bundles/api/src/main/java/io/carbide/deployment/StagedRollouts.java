package io.carbide.deployment;

import io.carbide.cluster.NoQuorumException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Staged rollouts, kept in the managers' replicated repository: the one in progress (at most one
 * at a time) or the last one, and the steps that move it. Every step is a consensus command, so
 * each is taken once whichever manager proposes it, and a new leader continues where the last
 * one stopped.
 */
public interface StagedRollouts {

    /** The rollout in progress, or the last one; empty when there never was one. */
    Optional<Rollout> rollout();

    /**
     * Stores {@code file} as the new content of {@code name} and starts rolling it out in waves:
     * the change and the rollout are recorded together, so no node can receive the change outside
     * its waves.
     *
     * @return the rollout started
     * @throws RolloutRefusedException while another rollout is in progress, or when the content
     *     is what the repository holds already (nothing to roll out)
     */
    Rollout startRollout(String name, Path file, RolloutPolicy policy, String by)
            throws InvalidArtifactException, IOException, NoQuorumException;

    /** Admits the next wave (or completes the rollout after the last); nothing if it moved meanwhile. */
    void advance(long toRevision, int admitted) throws IOException, NoQuorumException;

    void pause(long toRevision, String by) throws IOException, NoQuorumException;

    void resume(long toRevision, String by) throws IOException, NoQuorumException;

    /**
     * Ends the rollout and rolls back the nodes that had the change, in one committed step.
     *
     * @param aborted true when an operator ended it, false when the rollout halted itself
     */
    void halt(long toRevision, String reason, String by, boolean aborted) throws IOException, NoQuorumException;
}
