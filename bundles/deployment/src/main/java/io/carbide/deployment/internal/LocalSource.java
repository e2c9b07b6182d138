package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The node's own repository, on a default (dual-mode) node that holds the repository it follows: artifacts
 * are read straight from disk, the same way a worker reads them from the cluster.
 */
final class LocalSource implements ArtifactSource {

    private final ArtifactRepository repository;
    private final String node;

    /** @param node this node's name: a staged rollout may hold it at an earlier revision */
    LocalSource(ArtifactRepository repository, String node) {
        this.repository = repository;
        this.node = node;
    }

    @Override
    public String name() {
        return "the local repository";
    }

    @Override
    public ReplicationProtocol.Changes sync(String repositoryId, long revision, String stamp) {
        return repository.changesFor(new ReplicationProtocol.Sync(repositoryId, revision, stamp), node);
    }

    @Override
    public void fetch(Artifact artifact, long from, OutputStream out) throws IOException {
        Path blob = repository.content(artifact.sha256())
                .orElseThrow(() -> new IOException("content of " + artifact.name() + " is missing from the repository"));
        try (java.io.InputStream in = Files.newInputStream(blob)) {
            in.skipNBytes(from);
            io.carbide.node.LargeCopy.copy(in, out, artifact.size() - from);
        }
    }
}
