package io.carbide.management.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.DeployedArtifacts;
import io.carbide.deployment.DeploymentStatus;
import io.carbide.deployment.NodeDeployment;
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
 * {@code failed} (it applied the revision but an artifact failed), {@code waiting} (no report yet)
 * or {@code manager} (a manager-only node, which runs no artifacts).
 */
@Component(service = FleetView.class)
public class FleetView {

    private final NodeIdentity node;
    private final Cluster cluster;
    private final ArtifactRepository repository;
    private final DeploymentStatus deployments;

    /** On a default (dual-mode) node, what this node itself runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeployedArtifacts local;

    @Activate
    public FleetView(@Reference NodeIdentity node, @Reference Cluster cluster, @Reference ArtifactRepository repository,
            @Reference DeploymentStatus deployments) {
        this.node = node;
        this.cluster = cluster;
        this.repository = repository;
        this.deployments = deployments;
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
        Map<String, NodeDeployment> reports = reports(view);
        long revision = repository.revision();
        Map<String, Object> fleet = new LinkedHashMap<>();
        fleet.putAll(header(view, revision));
        fleet.put("members", members(view, reports, revision));
        fleet.put("artifacts", repository.artifacts().stream().map(a -> artifact(a, view, reports)).toList());
        fleet.put("refused", refused());
        return fleet;
    }

    /** The cluster part: {@code GET /api/cluster}. */
    public Map<String, Object> clusterSummary() {
        ClusterView view = cluster.view();
        long revision = repository.revision();
        Map<String, Object> summary = header(view, revision);
        summary.put("members", members(view, reports(view), revision));
        return summary;
    }

    /** One artifact with its state on every node that runs artifacts, if the repository has it. */
    public Optional<Map<String, Object>> artifact(String name) {
        ClusterView view = cluster.view();
        Map<String, NodeDeployment> reports = reports(view);
        return repository.artifacts().stream().filter(a -> a.name().equals(name)).findFirst()
                .map(a -> artifact(a, view, reports));
    }

    public List<Map<String, Object>> artifacts() {
        ClusterView view = cluster.view();
        Map<String, NodeDeployment> reports = reports(view);
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

    private Map<String, Object> header(ClusterView view, long revision) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("node", node.name());
        header.put("domain", view.domain());
        header.put("joined", cluster.isJoined());
        header.put("authority", view.authority().map(ClusterMember::name).orElse(null));
        header.put("selfIsAuthority", view.selfIsAuthority());
        header.put("repositoryId", repository.id());
        header.put("revision", revision);
        return header;
    }

    private Map<String, NodeDeployment> reports(ClusterView view) {
        Map<String, NodeDeployment> reports = new HashMap<>();
        for (NodeDeployment report : deployments.nodes()) {
            reports.put(report.node(), report);
        }
        DeployedArtifacts self = local;
        if (self != null) {
            reports.put(view.self().name(), self.current());
        }
        return reports;
    }

    private List<Map<String, Object>> members(ClusterView view, Map<String, NodeDeployment> reports, long revision) {
        List<Map<String, Object>> members = new ArrayList<>();
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
            entry.put("authority", view.authority().map(a -> a.name().equals(member.name())).orElse(false));
            boolean runsArtifacts = member.isIn(SubDomain.WORKER);
            entry.put("runsArtifacts", runsArtifacts);
            NodeDeployment report = reports.get(member.name());
            long failed = report == null ? 0 : report.artifacts().stream()
                    .filter(a -> ArtifactState.FAILED.equals(a.state())).count();
            entry.put("revision", report == null ? null : report.revision());
            entry.put("behind", report == null ? null : Math.max(0, revision - report.revision()));
            entry.put("failed", failed);
            entry.put("sync", !runsArtifacts ? "manager"
                    : report == null ? "waiting"
                    : report.revision() < revision ? "behind"
                    : failed > 0 ? "failed" : "in-sync");
            members.add(entry);
        }
        return members;
    }

    private Map<String, Object> artifact(Artifact artifact, ClusterView view, Map<String, NodeDeployment> reports) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", artifact.name());
        entry.put("type", artifact.type().label());
        entry.put("revision", artifact.revision());
        entry.put("sha256", artifact.sha256());
        entry.put("size", artifact.size());
        List<Map<String, Object>> nodes = new ArrayList<>();
        int active = 0;
        for (ClusterMember member : view.in(SubDomain.WORKER)) {
            String state = stateOn(artifact, reports.get(member.name()));
            Map<String, Object> onNode = new LinkedHashMap<>();
            onNode.put("node", member.name());
            onNode.put("state", state);
            onNode.put("reason", reasonOn(artifact, reports.get(member.name())));
            nodes.add(onNode);
            if (ArtifactState.ACTIVE.equals(state)) {
                active++;
            }
        }
        entry.put("nodes", nodes);
        entry.put("activeOn", active);
        return entry;
    }

    /** active, installed or failed as the node reported it; pending until it has the revision; waiting before any report. */
    static String stateOn(Artifact artifact, NodeDeployment report) {
        if (report == null) {
            return "waiting";
        }
        Optional<ArtifactState> state = report.artifacts().stream().filter(s -> s.name().equals(artifact.name()))
                .findFirst();
        if (state.isPresent() && state.get().revision() >= artifact.revision()) {
            return state.get().state();
        }
        return report.revision() < artifact.revision() ? "pending" : "missing";
    }

    private static String reasonOn(Artifact artifact, NodeDeployment report) {
        if (report == null) {
            return null;
        }
        return report.artifacts().stream().filter(s -> s.name().equals(artifact.name())
                && s.revision() >= artifact.revision()).map(ArtifactState::reason).findFirst().orElse(null);
    }
}
