package io.carbide.deployment.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMessage;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The authority manager, over the cluster: sync requests, then content fetched in chunks of
 * {@value #CHUNK} bytes so that no artifact, however large, is ever held whole in memory.
 */
final class RemoteSource implements ArtifactSource {

    static final int CHUNK = 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Cluster cluster;
    private final String authority;

    RemoteSource(Cluster cluster, String authority) {
        this.cluster = cluster;
        this.authority = authority;
    }

    @Override
    public String name() {
        return "authority " + authority;
    }

    @Override
    public ReplicationProtocol.Changes sync(String repositoryId, long revision) throws IOException {
        return ReplicationProtocol.changes(ask(ReplicationProtocol.encode(new ReplicationProtocol.Sync(repositoryId,
                revision))));
    }

    @Override
    public void fetch(Artifact artifact, OutputStream out) throws IOException {
        long offset = 0;
        while (offset < artifact.size()) {
            int length = (int) Math.min(CHUNK, artifact.size() - offset);
            byte[] chunk = ReplicationProtocol.chunk(ask(ReplicationProtocol.encode(
                    new ReplicationProtocol.Fetch(artifact.sha256(), offset, length))));
            if (chunk.length == 0) {
                throw new IOException("authority " + authority + " sent no bytes of " + artifact.name() + " at offset "
                        + offset + " of " + artifact.size());
            }
            out.write(chunk);
            offset += chunk.length;
        }
    }

    private ClusterMessage ask(ClusterMessage request) throws IOException {
        try {
            return cluster.request(authority, request, TIMEOUT).toCompletableFuture().get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(cause instanceof java.util.concurrent.TimeoutException
                    ? "authority " + authority + " did not answer within " + TIMEOUT.toSeconds() + " s"
                    : cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for authority " + authority, e);
        }
    }
}
