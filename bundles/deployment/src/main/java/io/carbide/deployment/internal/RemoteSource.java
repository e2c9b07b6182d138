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
 * artifacts comes with the sync's answer itself, and is taken from there. For a large artifact the
 * answer may name peers, workers the managers sent it to before: they are asked first, on their
 * content ports, and the managers are the source of last resort, so what the managers send does
 * not grow with the fleet.
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
    /** The peers the last sync's answer named for large artifacts, by sha-256, in the order to ask them. */
    private final Map<String, List<String>> peers = new java.util.concurrent.ConcurrentHashMap<>();
    /** Contents of which peers sent bytes, by sha-256: should they not match, the managers are asked again. */
    private final java.util.Set<String> fromPeers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Who sent each content fetched through this source, by sha-256 (the last to send bytes of it). */
    private final Map<String, String> servedBy = new java.util.concurrent.ConcurrentHashMap<>();

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
    public ReplicationProtocol.Changes sync(String repositoryId, long revision, String stamp) throws IOException {
        ReplicationProtocol.Changes changes = ReplicationProtocol.changes(ContentFetch.await(name(), cluster.request(
                name(), ReplicationProtocol.encode(new ReplicationProtocol.Sync(repositoryId, revision, stamp)),
                ContentFetch.TIMEOUT).toCompletableFuture()));
        inline = changes.inline();
        peers.clear();
        peers.putAll(changes.peers());
        return changes;
    }

    /**
     * Fetches from the peers the managers named, then from the first manager that holds the
     * content, from byte {@code from} on, each going on where the one before stopped. A manager
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
        long[] position = {from};
        OutputStream counted = new FilterOutputStream(out) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                position[0] += length;
                fetched.accept(length);
            }
        };
        if (fromPeers(artifact, position, counted)) {
            return;
        }
        IOException last = null;
        for (String manager : managers) {
            try {
                if (!content.reaches(manager)) {
                    skipIfLacking(manager, artifact, position[0]);
                }
                ContentFetch.fetch(cluster, content, manager, artifact.sha256(), position[0], artifact.size(), counted,
                        progress, line -> LOG.info("{}: {}", artifact.name(), line));
                servedBy.put(artifact.sha256(), manager);
                return;
            } catch (ContentChannel.ContentMissingException e) {
                last = e;
            }
        }
        throw last;
    }

    @Override
    public String servedBy(Artifact artifact) {
        return servedBy.getOrDefault(artifact.sha256(), name());
    }

    @Override
    public boolean withoutPeers(Artifact artifact) {
        peers.remove(artifact.sha256());
        servedBy.remove(artifact.sha256());
        return fromPeers.remove(artifact.sha256());
    }

    /** How long a worker waits for a peer whose port is busy, or which has not started receiving yet. */
    private static final java.time.Duration PEER_PATIENCE = java.time.Duration.ofSeconds(2);
    private static final long PEER_RETRY_MILLIS = 200;

    /**
     * Asks the peers named for this content in turn, on their content ports only (a worker
     * answers no fetch over the cluster channel). A peer still receiving it sends it as it
     * arrives; one that fails or lacks it is passed over, keeping what it sent.
     *
     * @return whether the content arrived whole
     */
    private boolean fromPeers(Artifact artifact, long[] position, OutputStream out) {
        List<String> named = peers.getOrDefault(artifact.sha256(), List.of());
        for (int i = 0; i < named.size(); i++) {
            String peer = named.get(i);
            if (position[0] >= artifact.size() || !content.reaches(peer)) {
                continue;
            }
            // the parent, asked a moment after the managers answered it too, may not have started receiving yet
            long patience = System.nanoTime() + (i == 0 ? PEER_PATIENCE.toNanos() : 0);
            while (true) {
                long before = position[0];
                try {
                    content.fetch(peer, artifact.sha256(), position[0], artifact.size() - position[0], out,
                            n -> progress.run(), PEER_PATIENCE);
                    fromPeers.add(artifact.sha256());
                    servedBy.put(artifact.sha256(), "peer " + peer);
                    return true;
                } catch (ContentChannel.ContentMissingException e) {
                    if (System.nanoTime() < patience && !sleep(PEER_RETRY_MILLIS)) {
                        continue;
                    }
                    LOG.debug("{}: peer {} does not hold it", artifact.name(), peer);
                } catch (IOException e) {
                    LOG.info("{}: peer {} did not serve it ({}); going on at byte {} with the next source",
                            artifact.name(), peer, e.getMessage(), position[0]);
                }
                if (position[0] > before) {
                    fromPeers.add(artifact.sha256());
                }
                break;
            }
        }
        return false;
    }

    /** @return whether the thread was interrupted, i.e. the node is stopping */
    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
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
