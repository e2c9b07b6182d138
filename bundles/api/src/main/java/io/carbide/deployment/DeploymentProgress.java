package io.carbide.deployment;

import java.util.Map;

/**
 * How far this node's deployment has come, as figures a monitoring system can graph: the node's
 * replication lag, the bytes it fetched and how many of its artifacts are in each state. Offered as
 * a service by every node that runs artifacts.
 */
public interface DeploymentProgress {

    /** The revision of its repository this node has applied. */
    long appliedRevision();

    /** The newest revision a manager this node may follow announced (its target). */
    long targetRevision();

    /** Artifact content fetched from managers since this node started, in bytes. */
    long fetchedBytes();

    /** How many of this node's artifacts are in each state ({@link ArtifactState#ACTIVE}, ...). */
    Map<String, Long> artifactsByState();
}
