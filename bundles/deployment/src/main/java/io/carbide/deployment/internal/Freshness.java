package io.carbide.deployment.internal;

import io.carbide.node.Readiness;

/**
 * How fresh this node's content is, as the {@code /health} states of a node that runs artifacts
 * say it: {@code starting} until it has caught up with a manager since start; {@code ready} from
 * then on, also while it applies a newer revision (it serves the previous content until the new
 * one is in); {@code lagging} once it has been behind without progress for longer than
 * {@code carbide.health.maxLagSeconds}. A node that cannot reach any manager of its lineage
 * within {@code carbide.health.startGraceSeconds} serves its verified local copy ({@code ready},
 * saying so), or is {@code refused} when it has nothing to serve.
 */
final class Freshness {

    private final long startedAt = System.nanoTime();
    private final long graceNanos;
    private final long maxLagNanos;
    private volatile boolean caughtUp;
    /** When this node first knew of a revision it lacks; 0 while it lacks none it knows of. */
    private final java.util.concurrent.atomic.AtomicLong behindSince = new java.util.concurrent.atomic.AtomicLong();
    private volatile long lastProgress = System.nanoTime();

    Freshness(long graceSeconds, long maxLagSeconds) {
        this.graceNanos = graceSeconds * 1_000_000_000L;
        this.maxLagNanos = maxLagSeconds * 1_000_000_000L;
    }

    /** A sync ended with this node at {@code applied} and its source at {@code offered}. */
    void synced(long applied, long offered) {
        progressed();
        if (applied >= offered) {
            caughtUp = true;
            behindSince.set(0);
        } else {
            behind();
        }
    }

    /** A manager of this node's lineage announced a revision this node has not applied yet. */
    void behind() {
        behindSince.compareAndSet(0, System.nanoTime());
    }

    /** A change was applied or a chunk of content arrived. */
    void progressed() {
        lastProgress = System.nanoTime();
    }

    boolean hasCaughtUp() {
        return caughtUp;
    }

    boolean graceOver() {
        return System.nanoTime() - startedAt > graceNanos;
    }

    long graceSeconds() {
        return graceNanos / 1_000_000_000L;
    }

    /**
     * @param unreachable why no manager of this node's lineage can be reached, or null when one can
     * @param waiting what the node waits for while it has not caught up, e.g. "catching up with mgr-1"
     * @param localCopy what the node serves from its local copy, or null when it holds nothing
     * @param behind how far behind it is, for the lagging reason
     */
    Readiness readiness(String unreachable, String waiting, String localCopy, String behind) {
        long now = System.nanoTime();
        if (caughtUp) {
            long since = behindSince.get();
            if (since != 0 && now - since > maxLagNanos && now - lastProgress > maxLagNanos) {
                return Readiness.lagging(behind + " for " + (now - since) / 1_000_000_000L + " s without progress");
            }
            return unreachable == null ? Readiness.ready() : Readiness.ready(unreachable + "; serving "
                    + (localCopy == null ? "nothing" : localCopy));
        }
        if (unreachable == null || !graceOver()) {
            return Readiness.starting(waiting);
        }
        return localCopy != null
                ? Readiness.ready("serving its verified local copy (" + localCopy + "): " + unreachable + " within "
                        + graceSeconds() + " s")
                : Readiness.refused("nothing to serve: " + unreachable);
    }
}
