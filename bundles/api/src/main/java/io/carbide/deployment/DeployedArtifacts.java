package io.carbide.deployment;

/** What runs on this node: registered by the deployment agent on nodes with the worker role. */
public interface DeployedArtifacts {

    /** This node's applied revision and the state of each of its artifacts. */
    NodeDeployment current();
}
