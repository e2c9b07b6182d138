package io.carbide.repository.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ContentChannel;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.protocol.ContentFetch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes before entries: a change is proposed to the managers only once a majority of them holds
 * its content, forced to disk and checked against its digest, so any majority that survives can
 * serve every committed artifact. The manager that received an artifact asks the other voting
 * managers to {@value #HOLD} it; each fetches the bytes from it in chunks ({@link ContentFetch})
 * and answers once they are safe. A manager that missed a blob (it was down, or outside the
 * majority) fetches it from the others when it applies the change, and reports what it still
 * lacks.
 */
final class BlobHolders {

    static final String HOLD = "repository.hold";
    private static final int VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(BlobHolders.class);

    private final String self;
    private final Cluster cluster;
    private final BlobStore blobs;
    private final Supplier<ConsensusState> consensus;
    private final Map<String, Long> missing = new ConcurrentHashMap<>();
    /** Managers copy content among themselves on their content ports, as workers fetch it. */
    private final ContentChannel content;
    private final ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "carbide-blob-keeper");
        thread.setDaemon(true);
        return thread;
    });

    BlobHolders(String self, Cluster cluster, ContentChannel content, BlobStore blobs,
            Supplier<ConsensusState> consensus) {
        this.self = self;
        this.cluster = cluster;
        this.content = content;
        this.blobs = blobs;
        this.consensus = consensus;
    }

    void close() {
        fetcher.shutdownNow();
        try {
            fetcher.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS); // not past this bundle's stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns once a majority of the voting managers, this one included, holds the content.
     *
     * @throws NoQuorumException when too few managers are reachable to make a majority
     * @throws IOException when enough were reachable but too few could take the content
     */
    void holdByMajority(String sha256, long size, String artifact) throws IOException, NoQuorumException {
        ConsensusState state = consensus.get();
        int needed = state.majority() - (state.members().contains(self) ? 1 : 0);
        if (needed <= 0) {
            return;
        }
        List<String> others = state.reachable().stream().filter(m -> !m.equals(self))
                .filter(m -> cluster.view().member(m).isPresent()).toList();
        if (others.size() < needed) {
            throw new NoQuorumException(state.noQuorumMessage());
        }
        Duration timeout = Duration.ofSeconds(30 + size / (8L << 20)); // at least 8 MB/s, and never less than 30 s
        ClusterMessage request = request(sha256, size);
        List<CompletableFuture<ClusterMessage>> asked = new ArrayList<>();
        for (String manager : others) {
            asked.add(cluster.request(manager, request, timeout).toCompletableFuture());
        }
        List<String> refusals = new ArrayList<>();
        int held = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < asked.size() && held < needed; i++) {
            try {
                asked.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                held++;
            } catch (ExecutionException | TimeoutException e) {
                refusals.add(others.get(i) + ": " + (e.getCause() == null ? e : e.getCause()).getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the managers took " + artifact, e);
            }
        }
        if (held < needed) {
            throw new IOException("only " + (held + 1) + " of the " + state.majority() + " managers needed hold " + artifact
                    + " (" + String.join("; ", refusals) + "); nothing was recorded");
        }
    }

    /** Another manager asks this one to hold content it received: fetched from it, checked, kept. */
    ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(message.payload()));
        String sha256 = in.readUTF();
        long size = in.readLong();
        blobs.receive(sha256, size, out -> fetch(from.name(), sha256, size, out));
        missing.remove(sha256);
        return null;
    }

    private void fetch(String manager, String sha256, long size, java.io.OutputStream out) throws IOException {
        ContentFetch.fetch(cluster, content, manager, sha256, 0, size, out, () -> { }, LOG::info);
    }

    /** After a change was applied here: fetch its content from the others if this manager lacks it. */
    void ensureHeld(Artifact artifact) {
        if (!artifact.deleted() && blobs.get(artifact.sha256()).isEmpty()
                && missing.putIfAbsent(artifact.sha256(), artifact.size()) == null) {
            if (!Handoff.hand(fetcher, () -> fetchMissing(artifact.sha256(), artifact.size(), artifact.name()))) {
                missing.remove(artifact.sha256()); // the manager is stopping; its next start looks again
            }
        }
    }

    /** Everything the repository refers to that is not here yet (after a start, or a snapshot). */
    void ensureHeld(List<Artifact> artifacts) {
        artifacts.forEach(this::ensureHeld);
    }

    private void fetchMissing(String sha256, long size, String name) {
        IOException noRoom = null;
        for (String manager : consensus.get().reachable()) {
            if (manager.equals(self) || cluster.view().member(manager).isEmpty()) {
                continue;
            }
            try {
                blobs.receive(sha256, size, out -> fetch(manager, sha256, size, out));
                missing.remove(sha256);
                LOG.info("Fetched the content of {} ({}) from {}", name, sha256.substring(0, 12), manager);
                return;
            } catch (io.carbide.node.DiskRoom.NoRoomException e) {
                noRoom = e; // this manager's disk, not the sender: no other sender would do better
                break;
            } catch (IOException | RuntimeException e) {
                LOG.debug("{} could not send {}: {}", manager, sha256, e.toString());
            }
            if (fetcher.isShutdown()) {
                missing.remove(sha256);
                return; // the manager is stopping: not a lack to warn about; its next start looks again
            }
        }
        missing.remove(sha256); // tried again when the next change or view comes
        if (noRoom != null) {
            LOG.warn("Manager {} lacks the content of {} ({}): {}", self, name, sha256.substring(0, 12),
                    noRoom.getMessage());
            return;
        }
        LOG.warn("Manager {} lacks the content of {} ({}) and no reachable manager could send it yet", self, name,
                sha256.substring(0, 12));
    }

    private static ClusterMessage request(String sha256, long size) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(sha256);
            out.writeLong(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ClusterMessage(HOLD, VERSION, bytes.toByteArray());
    }
}
