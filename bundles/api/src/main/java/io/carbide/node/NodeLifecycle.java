package io.carbide.node;

/**
 * The node's life beyond its bundles: whether it is draining (stopping, but still serving), and
 * a way for a part that cannot work at all to stop the whole node with one clear line, as a bad
 * option does at start.
 */
public interface NodeLifecycle {

    /** True from the moment the node was asked to stop (bin/stop.sh, SIGTERM) until it has. */
    boolean isDraining();

    /**
     * Stops the node because it cannot do its job, e.g. its repository is corrupt. The reason is
     * logged and printed on the console as one line, and the process exits with code 2, like any
     * start that needs the operator to fix something.
     */
    void stopForFailure(String reason);
}
