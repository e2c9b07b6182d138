package io.carbide.repository.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.SubDomain;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.DeployedArtifacts;
import io.carbide.deployment.FleetAuthority.Decision;
import io.carbide.deployment.FleetAuthority.FleetMove;
import io.carbide.deployment.FleetAuthority.Kind;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.protocol.ReplicationProtocol;
import io.carbide.node.NodeIdentity;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the fleet follows, and so which manager is its authority. Every node that runs artifacts
 * reports to every manager the repository it follows (its lineage), what it applied and from
 * whom. The fleet's repository is the one most of those nodes follow; its authority is the
 * leader of the managers that share it (their consensus). So a manager with a repository of its
 * own, or one rebuilt from scratch outside the consensus, never becomes the authority by age or by
 * luck: it refuses changes, and says who takes them, until an operator explicitly moves the
 * workers to it. A manager of the fleet's repository takes changes and forwards them to the
 * leader; with no majority of its managers reachable, it refuses them until there is one.
 *
 * <p>Before any node follows a repository (a new cluster), the repository of the oldest manager
 * in the view is the fleet's, as the workers that join then adopt it. Right after this manager
 * joins, while the nodes' reports are still on their way, it cannot tell yet ({@code UNDECIDED}).
 *
 * <p>The {@link Replicator} feeds it views and reports, and announces what it decides.
 */
final class FleetLineage {

    private static final Logger LOG = LoggerFactory.getLogger(FleetLineage.class);
    /** How long after a view change this manager waits for the nodes' reports before it decides without them. */
    private static final long REPORTS_WAIT_MILLIS = 3_000;

    private final NodeIdentity node;
    private final Cluster cluster;
    private final ArtifactRepository repository;
    private final Supplier<ConsensusState> consensus;
    private final Map<String, NodeDeployment> reports = new ConcurrentHashMap<>();
    /** The last management URL seen of each manager, to name it even while it is away. */
    private final Map<String, String> managerUrls = new ConcurrentHashMap<>();
    private volatile long viewChangedAt = System.currentTimeMillis();
    private volatile Decision lastLogged;
    /** On a default (dual-mode) node, what this node itself runs counts like any worker's report. */
    private final Supplier<DeployedArtifacts> local;

    FleetLineage(NodeIdentity node, Cluster cluster, ArtifactRepository repository, Supplier<ConsensusState> consensus,
            Supplier<DeployedArtifacts> local) {
        this.node = node;
        this.cluster = cluster;
        this.repository = repository;
        this.consensus = consensus;
        this.local = local;
        managerUrls.put(node.name(), node.managementUrl());
    }

    // ---- what the nodes say

    /** @return true when the decision changed */
    boolean viewChanged(ClusterView view) {
        Set<String> present = view.members().stream().map(ClusterMember::name).collect(Collectors.toSet());
        reports.keySet().retainAll(present);
        view.in(SubDomain.MGT).forEach(m -> managerUrls.put(m.name(), m.managementUrl()));
        viewChangedAt = System.currentTimeMillis();
        return logIfChanged();
    }

    /** @return true when the decision changed */
    boolean reported(ClusterMember from, ReplicationProtocol.Report report) {
        NodeDeployment previous = reports.put(from.name(), new NodeDeployment(from.name(), report.repositoryId(),
                report.revision(), report.artifacts(), report.source(), report.ignored(), System.currentTimeMillis(),
                report.running(), report.lostChanges()));
        if (report.repositoryId().equals(repository.id())) {
            logFailures(from, report, previous);
        }
        return logIfChanged();
    }

    /**
     * Logs each failure a node reports for the first time. Only failures are looked up in the
     * previous report, in a set: a report carries every artifact the node holds, and a list's
     * lookups made each report from a node holding 1,000 cost a million comparisons.
     */
    private void logFailures(ClusterMember from, ReplicationProtocol.Report report, NodeDeployment previous) {
        Set<ArtifactState> known = null;
        for (ArtifactState state : report.artifacts()) {
            if (!ArtifactState.FAILED.equals(state.state())) {
                continue;
            }
            if (known == null) {
                known = previous == null ? Set.of() : new HashSet<>(previous.artifacts());
            }
            if (!known.contains(state)) {
                LOG.warn("Node {} could not deploy {} (revision {}): {}", from.name(), state.name(), state.revision(),
                        state.reason());
            }
        }
    }

    /** The nodes whose report this manager has, by name (a view of them, not a copy). */
    Set<String> reported() {
        return java.util.Collections.unmodifiableSet(reports.keySet());
    }

    List<NodeDeployment> nodes() {
        return reports.values().stream().sorted(Comparator.comparing(NodeDeployment::node)).toList();
    }

    // ---- the decision

    Decision current() {
        String self = node.name();
        String own = repository.id();
        if (own.isEmpty()) {
            ConsensusState state = consensus.get();
            return switch (state.role()) {
                case STARTING -> undecided("it is still joining the managers " + state.members());
                case REFUSED -> new Decision(Kind.NO_QUORUM, "", "", "", state.problem());
                case LEADER, FOLLOWER -> state.hasLeader() ? undecided("the managers are setting up their repository")
                        : new Decision(Kind.NO_QUORUM, "", "", "", state.noQuorumMessage());
            };
        }
        if (!cluster.isJoined()) {
            return cluster.isJoining() ? undecided("it is still joining cluster domain " + cluster.domain())
                    // alone: clustering is off, or the domain refused this node; its managers decide
                    : byConsensus(own);
        }
        ClusterView view = cluster.view();
        Map<String, Long> following = new HashMap<>();
        List<NodeDeployment> known = followers(view);
        for (NodeDeployment deployment : known) {
            if (!deployment.repositoryId().isEmpty()) {
                following.merge(deployment.repositoryId(), 1L, Long::sum);
            }
        }
        if (following.isEmpty()) {
            boolean waiting = known.size() < view.in(SubDomain.WORKER).size()
                    && System.currentTimeMillis() - viewChangedAt < REPORTS_WAIT_MILLIS;
            if (waiting) {
                return undecided("the nodes of cluster domain " + cluster.domain() + " have not all said yet which "
                        + "repository they follow");
            }
            ClusterMember oldest = view.in(SubDomain.MGT).stream().findFirst().orElse(view.self());
            boolean ours = oldest.name().equals(self) || consensus.get().members().contains(oldest.name());
            return ours ? byConsensus(own) : other(oldest.name(), "", "no node follows a repository yet, and "
                    + oldest.name() + ", the oldest manager, holds another");
        }
        // the repository most nodes follow; on a tie, the one the oldest of them follows
        String fleet = following.entrySet().stream().max(Map.Entry.<String, Long>comparingByValue()
                .thenComparing(e -> -firstFollower(view, known, e.getKey()))).map(Map.Entry::getKey).orElseThrow();
        if (fleet.equals(own)) {
            return byConsensus(fleet);
        }
        String holder = known.stream().filter(d -> d.repositoryId().equals(fleet) && !d.source().isEmpty()
                && !d.source().equals("the local repository")).map(NodeDeployment::source).findFirst()
                .orElseGet(() -> known.stream().filter(d -> d.repositoryId().equals(fleet)
                        && view.member(d.node()).map(m -> m.isIn(SubDomain.MGT)).orElse(false))
                        .map(NodeDeployment::node).findFirst().orElse(""));
        return other(holder, fleet, "the workers follow repository " + fleet + (holder.isEmpty() ? ""
                : " of " + holder) + ", not this manager's " + own);
    }

    /** This manager holds the fleet's repository: who records changes is its managers' leader. */
    private Decision byConsensus(String repositoryId) {
        ConsensusState state = consensus.get();
        if (state.isLeader()) {
            return new Decision(Kind.SELF, node.name(), node.managementUrl(), repositoryId, "");
        }
        if (state.hasLeader()) {
            return new Decision(Kind.FOLLOWER, state.leader(), managerUrls.getOrDefault(state.leader(), ""),
                    repositoryId, "");
        }
        return new Decision(Kind.NO_QUORUM, "", "", repositoryId, state.noQuorumMessage());
    }

    private List<NodeDeployment> followers(ClusterView view) {
        Map<String, NodeDeployment> all = new HashMap<>(reports);
        DeployedArtifacts self = local.get();
        if (self != null) {
            all.put(node.name(), self.current());
        }
        // one set per call, not a scan of the view per report: every report comes here, and a
        // thousand workers reporting each minute made that a million comparisons a report
        Set<String> workers = view.in(SubDomain.WORKER).stream().map(ClusterMember::name).collect(Collectors.toSet());
        return all.values().stream().filter(d -> workers.contains(d.node())).toList();
    }

    private static int firstFollower(ClusterView view, List<NodeDeployment> known, String repositoryId) {
        Set<String> names = known.stream().filter(d -> d.repositoryId().equals(repositoryId))
                .map(NodeDeployment::node).collect(Collectors.toSet());
        for (int i = 0; i < view.members().size(); i++) {
            if (names.contains(view.members().get(i).name())) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private Decision undecided(String why) {
        return new Decision(Kind.UNDECIDED, "", "", "", node.name() + " cannot record changes yet: " + why
                + "; try again in a few seconds");
    }

    private Decision other(String authority, String fleet, String why) {
        String url = authority.isEmpty() ? "" : managerUrls.getOrDefault(authority, "");
        boolean present = cluster.view().member(authority).isPresent();
        String sendTo = authority.isEmpty() ? "the manager of that repository"
                : authority + (url.isEmpty() ? "" : " (" + url + ")") + (present ? "" : ", which is not reachable now");
        return new Decision(Kind.OTHER, authority, url, fleet, node.name() + " is not the authority; send changes to "
                + sendTo + " [" + why + "]");
    }

    Decision await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Decision decision = current();
        while (decision.kind() == Kind.UNDECIDED && System.nanoTime() < deadline) {
            Thread.sleep(50);
            decision = current();
        }
        return decision;
    }

    /**
     * One line each time the decision changes, so the log tells when and why this manager started
     * or stopped taking changes.
     *
     * @return true when it changed
     */
    synchronized boolean logIfChanged() {
        Decision now = current();
        Decision before = lastLogged;
        ConsensusState consensusNow = consensus.get();
        boolean electing = now.kind() == Kind.NO_QUORUM && before == null
                && consensusNow.reachable().containsAll(consensusNow.members());
        // at start, every manager reachable and no leader yet is an election under way, not a lost quorum
        if (now.kind() == Kind.UNDECIDED || electing || (before != null && before.kind() == now.kind()
                && before.authority().equals(now.authority()) && before.repositoryId().equals(now.repositoryId()))) {
            return false;
        }
        lastLogged = now;
        if (now.isAuthority()) {
            LOG.info("Node {} is the authority of cluster domain {}: it records changes to repository {} (revision {})",
                    node.name(), cluster.domain(), repository.id(), repository.revision());
        } else if (now.kind() == Kind.FOLLOWER) {
            LOG.info("Node {} takes changes to repository {} and forwards them to the authority, {}", node.name(),
                    repository.id(), now.authority());
        } else {
            LOG.warn("Files dropped here and uploads are not recorded: {}", now.reason());
        }
        return true;
    }

    /** Tells workers to follow this manager's repository from now on: the operator's explicit move. */
    FleetMove moveHere(Collection<String> nodes) {
        ClusterView view = cluster.view(); // one view: the names are judged against the members that are told
        List<String> workers = view.in(SubDomain.WORKER).stream().map(ClusterMember::name)
                .filter(n -> !n.equals(node.name())).toList(); // a default node follows its own repository
        List<String> unknown = nodes.stream().distinct().filter(n -> view.member(n).isEmpty()).toList();
        List<String> notWorkers = nodes.stream().distinct()
                .filter(n -> view.member(n).isPresent() && !workers.contains(n)).toList();
        if (!unknown.isEmpty() || !notWorkers.isEmpty()) {
            return new FleetMove(List.of(), unknown, notWorkers);
        }
        List<String> told = workers.stream().filter(n -> nodes.isEmpty() || nodes.contains(n)).toList();
        ClusterMessage adopt = ReplicationProtocol.encode(new ReplicationProtocol.Adopt(repository.id()));
        told.forEach(n -> cluster.sendTo(n, adopt));
        LOG.warn("Told {} to follow repository {} of {} from now on", told, repository.id(), node.name());
        return new FleetMove(told, List.of(), List.of());
    }
}
