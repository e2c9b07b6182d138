package io.carbide.management.internal.rollout;

import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.Rollout;
import io.carbide.deployment.RolloutRefusedException;
import io.carbide.deployment.StagedRollouts;
import io.carbide.management.internal.DeployFolderUploads;
import io.carbide.management.internal.FleetView;
import io.carbide.management.internal.Json;
import io.carbide.management.internal.ManagementServlet;
import io.carbide.management.internal.audit.AuditTrail;
import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The staged rollout: {@code GET /api/rollout} shows the one in progress (or the last), wave by
 * wave with each node's state; {@code POST /api/rollout/pause}, {@code /resume} and
 * {@code /abort} steer it (abort rolls back the nodes that had the change). A rollout starts with
 * an upload that names a policy ({@code PUT /api/artifacts/NAME?canary=1&waves=50%,100%}), or with
 * any change when the cluster has a default policy ({@code carbide.rollout.*}).
 */
@Component(immediate = true)
public class RolloutApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    private final transient FleetView fleet;
    private final transient StagedRollouts rollouts;
    private final transient DeployFolderUploads changes;

    @Activate
    public RolloutApiServlet(@Reference NodeIdentity node, @Reference FleetView fleet, @Reference StagedRollouts rollouts,
            @Reference DeployFolderUploads changes, BundleContext context) {
        this.fleet = fleet;
        this.rollouts = rollouts;
        this.changes = changes;
        publish(context, node, "/api/rollout", "/api/rollout/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!pathName(request).isEmpty()) {
            Json.error(response, 404, "GET /api/rollout shows the staged rollout; POST /api/rollout/pause, "
                    + "/resume or /abort steer it");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("rollout", rollouts.rollout().map(r -> describe(r, fleet.deployments())).orElse(null));
        Json.write(response, 200, body);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String action = pathName(request);
        String user = String.valueOf(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE));
        Optional<Rollout> current = rollouts.rollout();
        if (!List.of("pause", "resume", "abort").contains(action)) {
            Json.error(response, 404, "steer a rollout with POST /api/rollout/pause, /resume or /abort");
            return;
        }
        if (current.isEmpty() || !current.get().active()) {
            Json.error(response, 409, current.map(r -> "the rollout of " + r.artifact() + " (revision " + r.toRevision()
                    + ") is " + r.state().label() + "; there is nothing to " + action).orElse("there is no staged "
                            + "rollout to " + action));
            return;
        }
        Rollout rollout = current.get();
        AuditTrail.note(request, "artifact", rollout.artifact());
        AuditTrail.note(request, "revision", rollout.toRevision());
        try {
            changes.requireAuthority();
            switch (action) {
                case "pause" -> rollouts.pause(rollout.toRevision(), user);
                case "resume" -> rollouts.resume(rollout.toRevision(), user);
                default -> rollouts.halt(rollout.toRevision(), "aborted by " + user, user, true);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("rollout", rollouts.rollout().map(r -> describe(r, fleet.deployments())).orElse(null));
            Json.write(response, 200, body);
        } catch (DeployFolderUploads.Refused refused) {
            Json.error(response, refused.status(), refused.getMessage());
        } catch (RolloutRefusedException e) {
            Json.error(response, 409, e.getMessage());
        } catch (NoQuorumException e) {
            Json.error(response, 503, e.getMessage());
        }
    }

    /** The rollout for people and scripts: its state, and wave by wave where each node stands. */
    public static Map<String, Object> describe(Rollout rollout, Map<String, NodeDeployment> reports) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("artifact", rollout.artifact());
        body.put("state", rollout.state().label());
        body.put("reason", rollout.reason());
        body.put("fromRevision", rollout.fromRevision());
        body.put("toRevision", rollout.toRevision());
        body.put("wave", rollout.currentWave());
        body.put("waveCount", rollout.waves().size());
        body.put("settleSeconds", rollout.settleSeconds());
        body.put("maxErrorRate", rollout.maxErrorRate());
        body.put("by", rollout.by());
        body.put("startedAt", rollout.startedAt());
        body.put("updatedAt", rollout.updatedAt());
        List<Map<String, Object>> waves = new ArrayList<>();
        for (int i = 0; i < rollout.waves().size(); i++) {
            Map<String, Object> wave = new LinkedHashMap<>();
            wave.put("wave", i + 1);
            wave.put("admitted", i < rollout.admitted());
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (String node : rollout.waves().get(i)) {
                nodes.add(node(rollout, node, i < rollout.admitted(), reports.get(node)));
            }
            wave.put("nodes", nodes);
            waves.add(wave);
        }
        body.put("waves", waves);
        return body;
    }

    private static Map<String, Object> node(Rollout rollout, String node, boolean admitted, NodeDeployment report) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("node", node);
        ArtifactState state = report == null ? null : report.artifacts().stream()
                .filter(a -> a.name().equals(rollout.artifact())).findFirst().orElse(null);
        boolean atChange = state != null && state.revision() == rollout.toRevision();
        String where;
        if (atChange && ArtifactState.FAILED.equals(state.state())) {
            where = "failed";
        } else if (atChange) {
            where = "applied";
        } else if (rollout.active()) {
            where = admitted ? "applying" : "held";
        } else {
            where = rollout.state() == Rollout.State.COMPLETED ? "applying" : "not applied";
        }
        row.put("state", where);
        row.put("revision", report == null ? null : report.revision());
        if (state != null && state.reason() != null && !state.reason().isBlank()) {
            row.put("reason", state.reason());
        }
        return row;
    }
}
