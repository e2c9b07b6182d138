package io.carbide.management.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.SubDomain;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.DeployedArtifacts;
import io.carbide.deployment.DeploymentStatus;
import io.carbide.deployment.Rollout;
import io.carbide.deployment.StagedRollouts;
import io.carbide.deployment.FleetAuthority;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.RunningDigest;
import io.carbide.node.NodeIdentity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * What an operator looks at: every member of the cluster with its sync state, and every artifact
 * with its state on each node that runs artifacts. Put together from the cluster view, the
 * repository and the nodes' reports; the API and the console's live updates both show this.
 *
 * <p>A member's sync state is {@code in-sync}, {@code behind} (by how many revisions),
 * {@code failed} (it applied the revision but an artifact failed), {@code other-lineage} (it
 * follows another repository than this manager's, so nothing here reaches it), {@code ahead} (it
 * runs changes its managers lost, e.g. one came back from an older copy of its data: it says
 * which, and keeps what it runs until an operator moves it), {@code waiting}
 * (no report yet) or {@code manager} (a manager-only node, which runs no artifacts). "In sync"
 * means the same repository and the same revision, never merely the same revision number.
 */
@Component(service = FleetView.class)
public class FleetView {

    private final NodeIdentity node;
    private final Cluster cluster;
    private final ArtifactRepository repository;
    private final DeploymentStatus deployments;
    private final StagedRollouts rollouts;
    private final FleetAuthority authority;
    private final ManagerConsensus consensus;

    /** On a default (dual-mode) node, what this node itself runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeployedArtifacts local;

    @Activate
    public FleetView(@Reference NodeIdentity node, @Reference Cluster cluster, @Reference ArtifactRepository repository,
            @Reference DeploymentStatus deployments, @Reference FleetAuthority authority,
            @Reference ManagerConsensus consensus, @Reference StagedRollouts rollouts) {
        this.node = node;
        this.rollouts = rollouts;
        this.cluster = cluster;
        this.repository = repository;
        this.deployments = deployments;
        this.authority = authority;
        this.consensus = consensus;
    }

    public ManagerConsensus consensus() {
        return consensus;
    }

    /**
     * The managers' consensus as this manager sees it: its own role, term and commit index, the
     * voting members with each one's role, the leader, and whether a majority is reachable.
     */
    public Map<String, Object> managers() {
        ConsensusState state = consensus.state();
        Map<String, Object> managers = new LinkedHashMap<>();
        managers.put("self", state.self());
        managers.put("role", state.role().label());
        managers.put("term", state.term());
        managers.put("commitIndex", state.commitIndex());
        managers.put("leader", state.leader().isEmpty() ? null : state.leader());
        managers.put("quorum", state.hasLeader());
        managers.put("majority", state.majority());
        managers.put("members", state.members().stream().map(m -> Map.of("name", m, "role", roleOf(state, m))).toList());
        if (!state.hasLeader()) {
            managers.put("problem", state.problem().isEmpty() ? state.noQuorumMessage() : state.problem());
        }
        return managers;
    }

    private static String roleOf(ConsensusState state, String member) {
        if (member.equals(state.leader())) {
            return "leader";
        }
        return state.reachable().contains(member) ? "follower" : "unreachable";
    }

    public FleetAuthority authority() {
        return authority;
    }

    public ArtifactRepository repository() {
        return repository;
    }

    public Cluster cluster() {
        return cluster;
    }

    /** The whole picture, as {@code GET /api/fleet} and the console's live updates show it. */
    public Map<String, Object> snapshot() {
        ClusterView view = cluster.view();
        Map<String, Report> reports = reports(view);
        long revision = repository.revision();
        FleetAuthority.Decision decision = authority.current();
        Map<String, Object> fleet = new LinkedHashMap<>();
        fleet.putAll(header(view, revision, decision));
        fleet.put("members", members(view, reports, revision, decision));
        fleet.put("artifacts", repository.artifacts().stream().map(a -> artifact(a, view, reports)).toList());
        fleet.put("refused", refused());
        return fleet;
    }

    /** The cluster part: {@code GET /api/cluster}. */
    public Map<String, Object> clusterSummary() {
        ClusterView view = cluster.view();
        long revision = repository.revision();
        FleetAuthority.Decision decision = authority.current();
        Map<String, Object> summary = header(view, revision, decision);
        summary.put("members", members(view, reports(view), revision, decision));
        return summary;
    }

    /** One artifact with its state on every node that runs artifacts, if the repository has it. */
    public Optional<Map<String, Object>> artifact(String name) {
        ClusterView view = cluster.view();
        Map<String, Report> reports = reports(view);
        return repository.artifacts().stream().filter(a -> a.name().equals(name)).findFirst()
                .map(a -> artifact(a, view, reports));
    }

    public List<Map<String, Object>> artifacts() {
        ClusterView view = cluster.view();
        Map<String, Report> reports = reports(view);
        return repository.artifacts().stream().map(a -> artifact(a, view, reports)).toList();
    }

    public List<Map<String, Object>> refused() {
        return repository.refusals().stream().map(r -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", r.name());
            entry.put("reason", r.reason());
            entry.put("at", r.at());
            return entry;
        }).toList();
    }

    private Map<String, Object> header(ClusterView view, long revision, FleetAuthority.Decision decision) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("node", node.name());
        header.put("domain", view.domain());
        header.put("joined", cluster.isJoined());
        header.put("authority", decision.authority().isEmpty() ? null : decision.authority());
        header.put("authorityUrl", decision.managementUrl().isEmpty() ? null : decision.managementUrl());
        header.put("selfIsAuthority", decision.isAuthority());
        header.put("acceptsChanges", decision.acceptsChanges());
        header.put("notRecording", decision.acceptsChanges() ? null : decision.reason());
        header.put("managers", managers());
        header.put("repositoryId", repository.id());
        header.put("fleetRepositoryId", decision.repositoryId().isEmpty() ? null : decision.repositoryId());
        header.put("revision", revision);
        header.put("retainedFrom", repository.retainedFrom());
        header.put("repositoryBytes", repository.diskBytes());
        return header;
    }

    /** The digest of running the repository's artifacts, and the revision it is of (-1: unusable). */
    private record ExpectedDigest(String repositoryId, long revision, String digest) {
    }

    private volatile ExpectedDigest expected = new ExpectedDigest("", -1, "");

    /**
     * The repository's digest at {@code revision}, worked out once per revision (the console asks
     * four times a second). The artifacts and the revision are read apart, so a commit in between
     * leaves it unusable until the next ask.
     */
    private ExpectedDigest expectedDigest(long revision) {
        ExpectedDigest known = expected;
        if (known.revision() == revision && known.repositoryId().equals(repository.id())) {
            return known;
        }
        String digest = RunningDigest.expected(repository.artifacts());
        ExpectedDigest fresh = new ExpectedDigest(repository.id(), repository.revision() == revision ? revision : -1,
                digest);
        if (fresh.revision() >= 0) {
            expected = fresh;
        }
        return fresh;
    }

    /**
     * A node's report with its artifacts indexed by name once, so that the state of every artifact
     * on every node (the console asks four times a second) is a lookup, not a scan.
     */
    private record Report(String repositoryId, long revision, long failed, Map<String, ArtifactState> byName,
            List<String> ignored, RunningDigest running, String lostChanges) {
        static Report of(NodeDeployment deployment) {
            Map<String, ArtifactState> byName = new HashMap<>();
            long failed = 0;
            for (ArtifactState state : deployment.artifacts()) {
                byName.put(state.name(), state);
                failed += ArtifactState.FAILED.equals(state.state()) ? 1 : 0;
            }
            return new Report(deployment.repositoryId(), deployment.revision(), failed, byName, deployment.ignored(),
                    deployment.running() == null ? RunningDigest.NONE : deployment.running(),
                    deployment.lostChanges() == null ? "" : deployment.lostChanges());
        }

        /** The node's state for this artifact, if it follows this repository and applied the artifact's revision. */
        ArtifactState applied(Artifact artifact, String repositoryId) {
            ArtifactState state = byName.get(artifact.name());
            return repositoryId.equals(this.repositoryId) && state != null && state.revision() >= artifact.revision()
                    ? state : null;
        }
    }

    /** The latest deployment report of every node that runs artifacts, this node's own included, by name. */
    public Map<String, NodeDeployment> deployments() {
        Map<String, NodeDeployment> reports = new HashMap<>();
        for (NodeDeployment deployment : deployments.nodes()) {
            reports.put(deployment.node(), deployment);
        }
        DeployedArtifacts self = local;
        if (self != null) {
            reports.put(cluster.view().self().name(), self.current());
        }
        return reports;
    }

    private Map<String, Report> reports(ClusterView view) {
        Map<String, Report> reports = new HashMap<>();
        for (NodeDeployment deployment : deployments.nodes()) {
            reports.put(deployment.node(), Report.of(deployment));
        }
        DeployedArtifacts self = local;
        if (self != null) {
            reports.put(view.self().name(), Report.of(self.current()));
        }
        return reports;
    }

    private List<Map<String, Object>> members(ClusterView view, Map<String, Report> reports, long revision,
            FleetAuthority.Decision decision) {
        List<Map<String, Object>> members = new ArrayList<>();
        ExpectedDigest expected = expectedDigest(revision);
        String expectedDigest = expected.digest();
        boolean digestOfRevision = expected.revision() == revision;
        Optional<Rollout> staged = rollouts.rollout().filter(Rollout::active);
        for (ClusterMember member : view.members()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", member.name());
            entry.put("subDomains", member.subDomains().stream().map(SubDomain::label).sorted().toList());
            entry.put("profile", member.profile());
            entry.put("version", member.version());
            entry.put("clientUrl", member.clientUrl());
            entry.put("managementUrl", member.managementUrl().isEmpty() ? null : member.managementUrl());
            entry.put("startedAt", member.startedAt());
            entry.put("self", member.name().equals(view.self().name()));
            entry.put("authority", member.name().equals(decision.authority()));
            if (member.isIn(SubDomain.MGT)) {
                ConsensusState state = consensus.state();
                entry.put("managerRole", state.members().contains(member.name()) ? roleOf(state, member.name())
                        : "not a voter");
            }
            boolean runsArtifacts = member.isIn(SubDomain.WORKER);
            entry.put("runsArtifacts", runsArtifacts);
            Report report = reports.get(member.name());
            boolean sameLineage = report != null && repository.id().equals(report.repositoryId());
            long failed = report == null ? 0 : report.failed();
            entry.put("repositoryId", report == null || report.repositoryId().isEmpty() ? null : report.repositoryId());
            entry.put("revision", report == null ? null : report.revision());
            entry.put("failed", failed);
            entry.put("ignored", report == null ? List.of() : report.ignored());
            // the node's own word: only it knows the changes it runs and which manager lost them
            boolean ahead = sameLineage && !report.lostChanges().isEmpty();
            // a node's words reach terminals (bin/carbide nodes): no control characters
            entry.put("lostChanges", ahead ? report.lostChanges().replaceAll("\\p{Cntrl}", " ") : null);
            // a node ahead of its managers is not behind them, whatever the revision numbers say
            entry.put("behind", sameLineage && !ahead ? Math.max(0, revision - report.revision()) : null);
            // in sync only when what the node found it runs is what the repository holds at this revision
            boolean comparable = sameLineage && digestOfRevision && report.revision() == revision;
            String running = report == null ? "" : report.running().digest();
            boolean checked = comparable && !running.isEmpty();
            boolean diverged = checked && !running.equals(expectedDigest);
            entry.put("verified", checked && !diverged);
            entry.put("diverged", !diverged ? List.of() : report.running().diverged().isEmpty()
                    ? List.of("what it runs differs from revision " + revision + " (its state digest)")
                    : report.running().diverged());
            // held back by a staged rollout that has not reached it: at the revision it may have, it is where it should be
            long ceiling = staged.map(r -> r.ceilingFor(member.name(), revision)).orElse(revision);
            entry.put("sync", !runsArtifacts ? "manager"
                    : report == null ? "waiting"
                    : !sameLineage ? (report.repositoryId().isEmpty() ? "waiting" : "other-lineage")
                    : ahead ? "ahead"
                    : ceiling < revision && report.revision() == ceiling ? "held"
                    : report.revision() < revision ? "behind"
                    : failed > 0 ? "failed" : diverged ? "diverged" : "in-sync");
            members.add(entry);
        }
        return members;
    }

    /**
     * One artifact and its state on each node that runs artifacts: active, installed or failed as
     * the node reported it; pending until the node has its revision; waiting before any report.
     */
    private Map<String, Object> artifact(Artifact artifact, ClusterView view, Map<String, Report> reports) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", artifact.name());
        entry.put("type", artifact.type().label());
        entry.put("revision", artifact.revision());
        entry.put("sha256", artifact.sha256());
        entry.put("size", artifact.size());
        List<Map<String, Object>> nodes = new ArrayList<>();
        int active = 0;
        Optional<Rollout> staged = rollouts.rollout().filter(Rollout::active);
        for (ClusterMember member : view.in(SubDomain.WORKER)) {
            Report report = reports.get(member.name());
            ArtifactState applied = report == null ? null : report.applied(artifact, repository.id());
            boolean held = staged.isPresent() && artifact.revision() > staged.get().ceilingFor(member.name(),
                    artifact.revision());
            String state = report == null ? "waiting"
                    : !repository.id().equals(report.repositoryId()) ? "other-lineage"
                    : applied != null ? applied.state()
                    : held ? "held"
                    : report.revision() < artifact.revision() ? "pending" : "missing";
            Map<String, Object> onNode = new LinkedHashMap<>();
            onNode.put("node", member.name());
            onNode.put("state", state);
            onNode.put("reason", applied == null ? null : applied.reason());
            nodes.add(onNode);
            if (ArtifactState.ACTIVE.equals(state)) {
                active++;
            }
        }
        entry.put("nodes", nodes);
        entry.put("activeOn", active);
        return entry;
    }
}
