package io.carbide.deployment.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ContentChannel;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.protocol.ContentFetch;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Managers of this node's lineage, over the cluster: the sync goes to the first (the authority
 * when there is one); content, being addressed by its digest, may come from any of them, so a
 * manager that does not hold a blob yet sends the node on to the next. Content travels on the
 * managers' content ports ({@link ContentChannel}); a manager without one (an older build, or its
 * port taken) sends it over the cluster channel instead, more slowly. The content of small
 * artifacts comes with the sync's answer itself, and is taken from there.
 */
final class RemoteSource implements ArtifactSource {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteSource.class);

    private final Cluster cluster;
    private final ContentChannel content;
    private final List<String> managers;
    private final Runnable progress;
    private final LongConsumer fetched;
    /** Content the last sync's answer carried, by sha-256; checked like any other when it is received. */
    private volatile Map<String, byte[]> inline = Map.of();

    /**
     * @param managers the managers offering this node's lineage, the one to sync from first
     * @param progress called for every chunk that arrives, so a long transfer counts as progress
     * @param fetched told how many bytes of content arrived, for the node's metrics
     */
    RemoteSource(Cluster cluster, ContentChannel content, List<String> managers, Runnable progress,
            LongConsumer fetched) {
        this.cluster = cluster;
        this.content = content;
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
        ReplicationProtocol.Changes changes = ReplicationProtocol.changes(ContentFetch.await(name(), cluster.request(
                name(), ReplicationProtocol.encode(new ReplicationProtocol.Sync(repositoryId, revision)),
                ContentFetch.TIMEOUT).toCompletableFuture()));
        inline = changes.inline();
        return changes;
    }

    /**
     * Fetches from the first manager that holds the content, from byte {@code from} on. A manager
     * that lacks it says so before any byte is written and is passed over.
     */
    @Override
    public void fetch(Artifact artifact, long from, OutputStream out) throws IOException {
        byte[] carried = inline.get(artifact.sha256());
        if (carried != null && carried.length == artifact.size() && from <= carried.length) {
            out.write(carried, (int) from, carried.length - (int) from);
            fetched.accept(carried.length - from);
            return;
        }
        OutputStream counted = new FilterOutputStream(out) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                fetched.accept(length);
            }
        };
        IOException last = null;
        for (String manager : managers) {
            try {
                if (!content.reaches(manager)) {
                    skipIfLacking(manager, artifact, from);
                }
                ContentFetch.fetch(cluster, content, manager, artifact.sha256(), from, artifact.size(), counted,
                        progress, line -> LOG.info("{}: {}", artifact.name(), line));
                return;
            } catch (ContentChannel.ContentMissingException e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * Over the cluster channel, with other managers to turn to, the manager is asked for one byte
     * first, so one that lacks the blob is passed over before anything is written (a content port
     * says so by itself).
     */
    private void skipIfLacking(String manager, Artifact artifact, long from) throws IOException {
        if (managers.size() > 1 && artifact.size() > from) {
            try {
                ContentFetch.fetch(cluster, manager, artifact.sha256(), from, from + 1, OutputStream.nullOutputStream(),
                        () -> { });
            } catch (IOException e) {
                throw new ContentChannel.ContentMissingException(e.getMessage());
            }
        }
    }
}
