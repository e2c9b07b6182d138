package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.IOException;
import java.io.OutputStream;

/** Where a node gets artifacts from: a manager over the cluster, or its own repository. */
interface ArtifactSource {

    /** Who this source is: the manager's node name, or "the local repository". */
    String name();

    /**
     * What this node, at {@code revision} of {@code repositoryId}, lacks.
     *
     * @param stamp the stamp of the change this node applied at {@code revision}, empty when not known
     */
    ReplicationProtocol.Changes sync(String repositoryId, long revision, String stamp) throws IOException;

    /**
     * Streams the content of {@code artifact} from byte {@code from} on into {@code out}: a
     * transfer cut short (even by kill -9) resumes where it stopped.
     */
    void fetch(Artifact artifact, long from, OutputStream out) throws IOException;

    /** Who sent the content of {@code artifact} the last time it was fetched from here, for the log. */
    default String servedBy(Artifact artifact) {
        return name();
    }

    /**
     * Asks no peer for {@code artifact} from now on; whether peers had sent some of its bytes, so
     * that content which did not match its digest is worth fetching again from the managers.
     */
    default boolean withoutPeers(Artifact artifact) {
        return false;
    }
}
