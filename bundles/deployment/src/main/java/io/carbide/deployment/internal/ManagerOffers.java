package io.carbide.deployment.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each manager in the view offers this node, from their announcements: its repository,
 * revision and term, and whether it is the authority. This node follows one lineage (a repository
 * id) and picks its source among the managers that offer exactly that one; the offers of other
 * repositories are ignored, named once in the log and listed for status, the API and the console.
 * Only an explicit adoption (an operator's) moves a node to another lineage.
 */
final class ManagerOffers {

    private static final Logger LOG = LoggerFactory.getLogger(ManagerOffers.class);

    /** One manager's latest announcement. */
    record Offer(String manager, String repositoryId, long revision, long term, boolean authority, long generation) {
    }

    private final String nodeName;
    private final Map<String, Offer> offers = new ConcurrentHashMap<>();
    private final Map<String, String> ignored = new ConcurrentHashMap<>();
    /** Managers whose last sync request went unanswered, and when (System.nanoTime()). */
    private final Map<String, Long> silent = new ConcurrentHashMap<>();

    ManagerOffers(String nodeName) {
        this.nodeName = nodeName;
    }

    /**
     * Records a manager's announcement. During a staged rollout that has not admitted this node,
     * the revision this node may have is the one it is held at, not the newest: it is then in sync
     * (and ready) at that revision.
     */
    void offered(String manager, ReplicationProtocol.Announce announce) {
        offers.put(manager, new Offer(manager, announce.repositoryId(), announce.revisionFor(nodeName), announce.term(),
                announce.authority(), announce.generation()));
    }

    /** Forgets managers that left the view. */
    void retainMembers(ClusterView view) {
        Set<String> present = view.members().stream().map(ClusterMember::name).collect(Collectors.toSet());
        offers.keySet().retainAll(present);
        ignored.keySet().retainAll(present);
        silent.keySet().retainAll(present);
    }

    /** How long a manager that left a sync request unanswered is asked only when no other can answer. */
    static final java.time.Duration SILENCE = java.time.Duration.ofSeconds(60);

    /** Records that {@code manager} did not answer a sync request in time. */
    void unanswered(String manager) {
        silent.put(manager, System.nanoTime());
    }

    /** Records that {@code manager} answered a sync request. */
    void answered(String manager) {
        silent.remove(manager);
    }

    /**
     * The managers to ask for a sync, in {@code best} order, except that one which left the last
     * request unanswered within {@link #SILENCE} comes after the others that could answer in its
     * place: of the best one's generation and at least its term, having announced at least
     * {@code revision} (one behind this node would answer with a state that lacks what it runs). A
     * request to a manager can go unanswered while the path to it is broken (seen after a manager
     * restarted on the same address), though the manager is in the view and answers others: asking
     * it again and again left a worker behind for as long as that lasted.
     */
    List<String> syncOrder(List<Offer> best, long revision) {
        long now = System.nanoTime();
        silent.values().removeIf(since -> now - since > SILENCE.toNanos());
        List<String> order = new java.util.ArrayList<>(best.stream().map(Offer::manager).toList());
        if (best.isEmpty() || !silent.containsKey(order.get(0))) {
            return order;
        }
        Offer top = best.get(0);
        List<String> instead = best.stream().filter(o -> !silent.containsKey(o.manager()) && o.revision() >= revision
                && o.generation() == top.generation() && o.term() >= top.term()).map(Offer::manager).toList();
        order.removeAll(instead);
        order.addAll(0, instead);
        return order;
    }

    /**
     * Every manager to sync from or fetch content of {@code lineage} from, the best first (the
     * authority, then the highest revision); for a node that follows nothing yet ({@code lineage}
     * empty), the managers that say they are the authority. Left out: a manager of an earlier
     * generation of the repository than {@code generation} (one of the managers lost before a
     * recovery), and one of an older term than {@code term} within it (it missed an election). A
     * later generation is taken: the repository was recovered, and the node resyncs in full.
     */
    List<Offer> sources(String lineage, long generation, long term) {
        return offers.values().stream()
                .filter(o -> lineage.isEmpty() ? o.authority() : o.repositoryId().equals(lineage) && current(o, generation, term))
                .sorted(Comparator.comparing(Offer::authority).thenComparingLong(Offer::generation)
                        .thenComparingLong(Offer::revision).thenComparing(Offer::manager, Comparator.reverseOrder())
                        .reversed())
                .toList();
    }

    private static boolean current(Offer offer, long generation, long term) {
        if (generation == 0 || offer.generation() == 0) {
            return true; // this node or that manager predates generations: nothing to compare
        }
        return offer.generation() > generation || (offer.generation() == generation && offer.term() >= term);
    }

    /** The newest revision of {@code lineage} a manager this node would follow has announced; 0 when none has. */
    long newestRevision(String lineage, long generation, long term) {
        return sources(lineage, generation, term).stream().filter(o -> !lineage.isEmpty()).mapToLong(Offer::revision)
                .max().orElse(0);
    }

    /** Records a manager whose answer turned out to be another repository than the one followed. */
    void ignore(String manager, String repositoryId, String lineage) {
        if (!repositoryId.equals(ignored.put(manager, repositoryId))) {
            LOG.warn("Node {} ignores {}: it offers repository {}, and this node follows repository {}; it keeps "
                    + "serving what it has (moving it to another repository is an operator's action: "
                    + "POST /api/cluster/adopt on that manager, or -Dcarbide.lineage.adopt=ID)", nodeName, manager,
                    repositoryId, lineage);
        }
    }

    /** Logs (once each) and lists the managers that offer another repository than {@code lineage}. */
    void noteIgnored(String lineage) {
        if (lineage.isEmpty()) {
            return;
        }
        for (Offer offer : offers.values()) {
            if (!offer.repositoryId().equals(lineage) && !offer.repositoryId().isEmpty()) {
                ignore(offer.manager(), offer.repositoryId(), lineage);
            } else {
                ignored.remove(offer.manager());
            }
        }
    }

    /** One line per ignored manager, e.g. {@code offered repository 5d1c... by mgr-2: ignored}. */
    List<String> ignoredLines() {
        return new TreeMap<>(ignored).entrySet().stream()
                .map(e -> "offered repository " + e.getValue() + " by " + e.getKey() + ": ignored").toList();
    }

    boolean anyIgnored() {
        return !ignored.isEmpty();
    }
}
