package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.node.DiskRoom;
import java.io.IOException;
import java.nio.file.Path;

/** Puts one type of artifact to work on this node, and takes it away again. */
interface Deployer {

    /**
     * Installs or updates {@code artifact} from its verified content. A failure is a state, but for
     * one: a disk without room for it, which is tried again until there is (see {@link DiskRoom}).
     */
    ArtifactState deploy(Artifact artifact, Path content) throws DiskRoom.NoRoomException;

    /** Removes what {@link #deploy} put in place. */
    void undeploy(Artifact artifact);

    /** Whether what {@link #deploy} put in place is still as it was (nothing edited or removed on disk). */
    default boolean intact(Artifact artifact) throws IOException {
        return true;
    }

    static ArtifactState failed(Artifact artifact, String reason) {
        return new ArtifactState(artifact.name(), artifact.revision(), artifact.sha256(), ArtifactState.FAILED,
                reason.replaceAll("\\s+", " ").strip());
    }

    static ArtifactState state(Artifact artifact, String state) {
        return new ArtifactState(artifact.name(), artifact.revision(), artifact.sha256(), state, "");
    }
}
