package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import java.nio.file.Path;

/** Puts one type of artifact to work on this node, and takes it away again. */
interface Deployer {

    /** Installs or updates {@code artifact} from its verified content; never throws, a failure is a state. */
    ArtifactState deploy(Artifact artifact, Path content);

    /** Removes what {@link #deploy} put in place. */
    void undeploy(Artifact artifact);

    static ArtifactState failed(Artifact artifact, String reason) {
        return new ArtifactState(artifact.name(), artifact.revision(), artifact.sha256(), ArtifactState.FAILED,
                reason.replaceAll("\\s+", " ").strip());
    }

    static ArtifactState state(Artifact artifact, String state) {
        return new ArtifactState(artifact.name(), artifact.revision(), artifact.sha256(), state, "");
    }
}
