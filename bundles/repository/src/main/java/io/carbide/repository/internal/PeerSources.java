package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Which workers a worker fetches a large artifact from before the managers, so that what the
 * managers send does not grow with the fleet.
 *
 * <p>For each large content, the workers that sync for it are taken in the order they ask. The
 * first {@value #SEEDS} fetch from the managers; every later one is given a parent among those that
 * asked before it, {@code fanout} children to a parent, which makes a tree: the seeds feed the next
 * {@code 2 x fanout} workers, those the next, and so on. A worker asks its parent first, then the
 * parent's ancestors, then others that asked before it, and the managers last. A peer still
 * receiving the content serves it as it arrives, so the tree's levels overlap rather than wait
 * for each other; one that went away, or lacks it, is passed over. Since each worker is only ever
 * sent to workers that asked before it, no two wait for each other.
 *
 * <p>Content is addressed by its sha-256 and checked against it on arrival, wherever it came from;
 * content from peers that does not match is fetched again from the managers, so a peer can delay
 * a transfer, never change it.
 *
 * <p>The order is kept per artifact revision: content rolled back and rolled out again under a
 * new revision starts a new tree, since the workers of the old one may have dropped it.
 */
final class PeerSources {

    /** Artifacts smaller than this come from the managers: a peer saves little and costs a wait. */
    static final long MIN_BYTES = 1 << 20;
    /** Workers fetching each content from the managers themselves. */
    static final int SEEDS = 2;
    /** Contents remembered: the ones of the latest changes, which workers are fetching now. */
    private static final int REMEMBERED = 1_024;

    private final int fanout;
    /** For each content, the workers in the order they asked for it. */
    private final Map<String, List<String>> askedBy = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** @param fanout workers a worker serves a content to; 0 turns peers off (the managers serve every worker) */
    PeerSources(int fanout) {
        this.fanout = Math.max(0, fanout);
    }

    /**
     * The peers {@code worker} should ask for each large artifact of {@code artifacts}, in order;
     * artifacts it should fetch from the managers are left out.
     *
     * @param present whether a member is in the view now: one that left is no one's parent
     */
    synchronized Map<String, List<String>> sourcesFor(String worker, List<Artifact> artifacts,
            Predicate<String> present) {
        if (fanout == 0) {
            return Map.of();
        }
        Map<String, List<String>> sources = new LinkedHashMap<>();
        for (Artifact artifact : artifacts) {
            if (artifact.deleted() || artifact.size() < MIN_BYTES || sources.containsKey(artifact.sha256())) {
                continue;
            }
            List<String> peers = peersOf(artifact.sha256() + "@" + artifact.revision(), worker, present);
            if (!peers.isEmpty()) {
                sources.put(artifact.sha256(), peers);
            }
        }
        return sources;
    }

    private List<String> peersOf(String content, String worker, Predicate<String> present) {
        List<String> order = askedBy.computeIfAbsent(content, k -> new ArrayList<>());
        order.removeIf(member -> !member.equals(worker) && !present.test(member));
        if (!order.contains(worker)) {
            order.add(worker);
        }
        int place = order.indexOf(worker);
        if (place < SEEDS) {
            return List.of();
        }
        // its parent, then the parent's ancestors up to a seed (each holds it at least as far as the one below)
        List<String> peers = new ArrayList<>();
        for (int at = place; at >= SEEDS && peers.size() < ReplicationProtocol.MAX_PEERS; at = (at - SEEDS) / fanout) {
            peers.add(order.get((at - SEEDS) / fanout));
        }
        // then the others that asked before it, starting at a place of its own: were a parent to fail, its
        // children spread over the tree instead of all landing on the first workers
        for (int i = 0; i < place && peers.size() < ReplicationProtocol.MAX_PEERS; i++) {
            String other = order.get((place + i) % place);
            if (!peers.contains(other)) {
                peers.add(other);
            }
        }
        return List.copyOf(peers);
    }
}
