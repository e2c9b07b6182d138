package io.carbide.deployment.internal;

import io.carbide.cluster.Cluster;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.protocol.ContentFetch;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Managers of this node's lineage, over the cluster: the sync goes to the first (the authority
 * when there is one); content, being addressed by its digest, may come from any of them, so a
 * manager that does not hold a blob yet sends the node on to the next.
 */
final class RemoteSource implements ArtifactSource {

    private final Cluster cluster;
    private final List<String> managers;
    private final Runnable progress;
    private final LongConsumer fetched;

    /**
     * @param managers the managers offering this node's lineage, the one to sync from first
     * @param progress called for every chunk that arrives, so a long transfer counts as progress
     * @param fetched told how many bytes of content arrived, for the node's metrics
     */
    RemoteSource(Cluster cluster, List<String> managers, Runnable progress, LongConsumer fetched) {
        this.cluster = cluster;
        this.managers = managers;
        this.progress = progress;
        this.fetched = fetched;
    }

    @Override
    public String name() {
        return managers.get(0);
    }

    @Override
    public ReplicationProtocol.Changes sync(String repositoryId, long revision) throws IOException {
        return ReplicationProtocol.changes(ContentFetch.await(name(), cluster.request(name(), ReplicationProtocol.encode(
                new ReplicationProtocol.Sync(repositoryId, revision)), ContentFetch.TIMEOUT).toCompletableFuture()));
    }

    /**
     * Fetches, in memory-bounded chunks, from the first manager that holds the content: each is
     * asked for one byte first, so a manager that lacks the blob is passed over before anything is
     * written. A transfer that fails part way fails the sync, which is tried again.
     */
    @Override
    public void fetch(Artifact artifact, OutputStream out) throws IOException {
        IOException lacking = null;
        for (String manager : managers) {
            if (managers.size() > 1 && artifact.size() > 0) {
                try {
                    ContentFetch.fetch(cluster, manager, artifact.sha256(), 1, OutputStream.nullOutputStream(), () -> { });
                } catch (IOException e) {
                    lacking = e;
                    continue;
                }
            }
            ContentFetch.fetch(cluster, manager, artifact.sha256(), artifact.size(), counted(out), progress);
            return;
        }
        throw lacking;
    }

    private OutputStream counted(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                fetched.accept(length);
            }
        };
    }
}
