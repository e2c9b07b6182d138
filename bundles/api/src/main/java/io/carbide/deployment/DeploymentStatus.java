package io.carbide.deployment;

import java.util.List;

/** The manager's view of the fleet: what each node reported about its deployment. */
public interface DeploymentStatus {

    /** The latest report of every node in the view that runs artifacts, by node name. */
    List<NodeDeployment> nodes();
}
