package io.carbide.deployment;

import java.util.List;

/**
 * A staged rollout: one change of one artifact that reaches the fleet's workers in waves, a canary
 * first, and halts itself (rolling back what the waves so far received) when it hurts them. It is
 * part of the managers' replicated repository, so every manager knows it and a failover carries
 * it on.
 *
 * <p>While a rollout is {@link #active()}, a node outside the admitted waves is served the
 * repository as it was at {@link #fromRevision()}; once it completes, or halts and rolls back, every
 * node follows the newest revision again.
 *
 * @param artifact the artifact the rollout changes
 * @param fromRevision the revision before the change: what nodes outside the admitted waves run
 * @param toRevision the revision of the change
 * @param waves node names, one list per wave, the canary first
 * @param admitted how many waves may have the change so far (1 at the start)
 * @param settleSeconds how long each wave must be applied and healthy before the next is admitted
 * @param maxErrorRate the share of a wave's client requests that may answer 5xx before it halts (0 to 1)
 * @param reason why it halted, or was paused or aborted; empty otherwise
 * @param updatedAt when its state last changed (epoch ms, the proposing manager's clock)
 */
public record Rollout(String artifact, long fromRevision, long toRevision, List<List<String>> waves, int admitted,
        State state, int settleSeconds, double maxErrorRate, String reason, String by, long startedAt, long updatedAt) {

    public enum State {
        RUNNING, PAUSED, COMPLETED, HALTED, ABORTED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Rollout {
        waves = waves.stream().map(List::copyOf).toList();
        reason = reason == null ? "" : reason;
    }

    /** Running or paused: nodes outside the admitted waves are held at {@link #fromRevision()}. */
    public boolean active() {
        return state == State.RUNNING || state == State.PAUSED;
    }

    /** Whether {@code node} may have the change now: always once the rollout is over. */
    public boolean admits(String node) {
        if (!active()) {
            return true;
        }
        for (int i = 0; i < Math.min(admitted, waves.size()); i++) {
            if (waves.get(i).contains(node)) {
                return true;
            }
        }
        return false;
    }

    /** The newest revision {@code node} may apply of a repository at {@code current}. */
    public long ceilingFor(String node, long current) {
        return admits(node) ? current : Math.min(current, fromRevision);
    }

    /** Every node the rollout admitted so far, in wave order. */
    public List<String> admittedNodes() {
        return waves.subList(0, Math.min(admitted, waves.size())).stream().flatMap(List::stream).toList();
    }

    /** The wave being rolled out now, 1-based. */
    public int currentWave() {
        return Math.min(admitted, waves.size());
    }
}
