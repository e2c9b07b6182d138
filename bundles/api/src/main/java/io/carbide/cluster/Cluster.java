package io.carbide.cluster;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * This node's membership in its cluster domain, and messaging to the other members. Sends never
 * include this node itself: a node does not echo its own changes back to itself.
 */
public interface Cluster {

    /** The domain name, e.g. {@code carbide}. */
    String domain();

    /** The current view; before the node has joined, a view of this node alone. */
    ClusterView view();

    /** True once the node has joined (or founded) the domain. */
    boolean isJoined();

    /**
     * True while the node's first attempt to join is still under way: until it ends, nobody can
     * tell whether a manager is up.
     */
    boolean isJoining();

    /** Sends to every other member. Reliable and, per sender, ordered. */
    void sendToAll(ClusterMessage message);

    /** Sends to every other member of a sub-domain. */
    void sendTo(SubDomain subDomain, ClusterMessage message);

    /**
     * Sends to one member by name.
     *
     * @return false when no member has that name
     */
    boolean sendTo(String memberName, ClusterMessage message);

    /**
     * Sends a request and waits for the member's {@link MessageHandler} to reply. The stage fails
     * when the member is unknown or leaves, its handler fails or does not exist, or the timeout passes.
     */
    CompletionStage<ClusterMessage> request(String memberName, ClusterMessage message, Duration timeout);

    /**
     * How this node finds the other members, for messages an operator reads, e.g.
     * {@code well-known members 127.0.0.1[4001]}.
     */
    String discovery();

    /**
     * What the path between this node and a member looks like, for a warning an operator or an
     * engineer reads when the member is silent: its address, whether a connection is open, messages
     * not acknowledged either way, flow-control credit.
     */
    default String linkTo(String memberName) {
        return "not known";
    }
}
