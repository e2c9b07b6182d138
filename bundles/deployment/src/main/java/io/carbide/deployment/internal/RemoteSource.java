package io.carbide.deployment.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMessage;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A manager, over the cluster: sync requests, then content fetched in chunks of
 * {@value #CHUNK} bytes, a few at a time, so that no artifact, however large, is ever held whole
 * in memory.
 */
final class RemoteSource implements ArtifactSource {

    static final int CHUNK = 512 * 1024;
    /** In flight at once: 1.5 MB, well under the stack's flow-control credits (UFC max_credits). */
    static final int IN_FLIGHT = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Cluster cluster;
    private final String manager;
    private final Runnable progress;

    /** @param progress called for every chunk that arrives, so a long transfer counts as progress */
    RemoteSource(Cluster cluster, String manager, Runnable progress) {
        this.cluster = cluster;
        this.manager = manager;
        this.progress = progress;
    }

    @Override
    public String name() {
        return manager;
    }

    @Override
    public ReplicationProtocol.Changes sync(String repositoryId, long revision) throws IOException {
        return ReplicationProtocol.changes(ask(ReplicationProtocol.encode(new ReplicationProtocol.Sync(repositoryId,
                revision))));
    }

    /**
     * Keeps {@value #IN_FLIGHT} chunk requests under way, so the next chunks travel while one is
     * written; chunks are written strictly in order. At most that many chunks are in memory.
     */
    @Override
    public void fetch(Artifact artifact, OutputStream out) throws IOException {
        Deque<CompletableFuture<ClusterMessage>> inFlight = new ArrayDeque<>();
        Deque<Integer> lengths = new ArrayDeque<>();
        long requested = 0;
        long written = 0;
        while (written < artifact.size()) {
            while (inFlight.size() < IN_FLIGHT && requested < artifact.size()) {
                int length = (int) Math.min(CHUNK, artifact.size() - requested);
                inFlight.add(cluster.request(manager, ReplicationProtocol.encode(new ReplicationProtocol.Fetch(
                        artifact.sha256(), requested, length)), TIMEOUT).toCompletableFuture());
                lengths.add(length);
                requested += length;
            }
            byte[] chunk = ReplicationProtocol.chunk(await(inFlight.poll()));
            int expected = lengths.poll();
            if (chunk.length != expected) {
                throw new IOException("manager " + manager + " sent " + chunk.length + " bytes of " + artifact.name()
                        + " at offset " + written + " where " + expected + " were asked for");
            }
            out.write(chunk);
            written += chunk.length;
            progress.run();
        }
    }

    private ClusterMessage ask(ClusterMessage request) throws IOException {
        return await(cluster.request(manager, request, TIMEOUT).toCompletableFuture());
    }

    private ClusterMessage await(CompletableFuture<ClusterMessage> reply) throws IOException {
        try {
            return reply.get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(cause instanceof java.util.concurrent.TimeoutException
                    ? "manager " + manager + " did not answer within " + TIMEOUT.toSeconds() + " s"
                    : cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for manager " + manager, e);
        }
    }
}
