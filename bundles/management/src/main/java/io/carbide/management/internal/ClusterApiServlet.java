package io.carbide.management.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.cluster.ClusterPing;
import io.carbide.cluster.SubDomain;
import io.carbide.deployment.FleetAuthority.FleetMove;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
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
 * The cluster on the management port:
 * {@code GET /api/cluster} lists the members with their sub-domain, profile, version, applied
 * revision and sync state ({@link FleetView});
 * {@code GET /api/cluster/ping?subDomain=worker&waitMs=1000} asks a sub-domain (or every member)
 * to answer and lists who did, with round-trip times;
 * {@code POST /api/cluster/adopt} with {@code {"nodes": ["w-1"]}} (or no body: every worker
 * in the view) tells workers to follow this manager's repository from now on: the explicit,
 * operator-only way to move workers to another lineage, e.g. to a manager rebuilt from scratch.
 */
@Component(immediate = true)
public class ClusterApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final long MAX_WAIT_MILLIS = 10_000;

    private final transient FleetView fleet;
    private final transient ClusterPing ping;
    private final transient String nodeName;

    @Activate
    public ClusterApiServlet(@Reference NodeIdentity node,
            @Reference FleetView fleet, @Reference ClusterPing ping, BundleContext context) {
        this.fleet = fleet;
        this.ping = ping;
        this.nodeName = node.name();
        publish(context, node, "/api/cluster/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        switch (path) {
            case "/", "" -> Json.write(response, 200, fleet.clusterSummary());
            case "/ping" -> ping(request, response);
            default -> Json.error(response, 404, "no such resource: /api/cluster" + path
                    + " (try /api/cluster or /api/cluster/ping?subDomain=worker)");
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        if (!"/adopt".equals(path)) {
            Json.error(response, 404, "no such resource: POST /api/cluster" + path + " (try POST /api/cluster/adopt)");
            return;
        }
        List<String> nodes = new ArrayList<>();
        try {
            JsonObject body = Json.readObjectOrEmpty(request);
            if (body.has("nodes")) {
                if (!body.get("nodes").isJsonArray()) {
                    throw new Json.BadRequest("\"nodes\" must be a list of node names, e.g. [\"w-1\"]");
                }
                for (JsonElement name : body.getAsJsonArray("nodes")) {
                    if (!name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
                        throw new Json.BadRequest("\"nodes\" must hold node names (strings), not " + name);
                    }
                    nodes.add(name.getAsString());
                }
                if (nodes.isEmpty()) {
                    // a list emptied by mistake must not widen to the whole fleet: that takes no body at all
                    throw new Json.BadRequest("\"nodes\" is empty: name at least one node, or send no body to move "
                            + "every worker");
                }
            }
        } catch (Json.BadRequest bad) {
            Json.error(response, 400, bad.getMessage());
            return;
        }
        FleetMove move = fleet.authority().moveFleetHere(nodes);
        if (!move.unknown().isEmpty()) {
            Json.error(response, 404, "no member named " + String.join(", ", move.unknown()) + " in cluster domain "
                    + fleet.cluster().domain() + "; GET /api/cluster lists them");
            return;
        }
        if (!move.notWorkers().isEmpty()) {
            // a manager follows the managers' log, not an adoption: asking to move one is a mistake to say
            Json.error(response, 400, String.join(", ", move.notWorkers()) + " is not a worker: only workers follow "
                    + "a manager's repository and can be moved; name workers, or send no body to move every worker");
            return;
        }
        List<String> told = move.told();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repositoryId", fleet.repository().id());
        body.put("manager", nodeName);
        body.put("told", told);
        body.put("message", told.isEmpty() ? "no worker was told: none is in the view"
                : told.size() + " worker(s) now move to repository " + fleet.repository().id()
                        + ": what it lacks is undeployed there; GET /api/cluster shows them converge");
        Json.write(response, 200, body);
    }

    private void ping(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<SubDomain> subDomain;
        long waitMillis;
        try {
            String label = request.getParameter("subDomain");
            subDomain = label == null || label.isBlank() ? Optional.empty() : Optional.of(SubDomain.parse(label));
            String wait = request.getParameter("waitMs");
            waitMillis = wait == null ? 1000 : Long.parseLong(wait);
            if (waitMillis < 1 || waitMillis > MAX_WAIT_MILLIS) {
                throw new IllegalArgumentException("waitMs must be 1 to " + MAX_WAIT_MILLIS);
            }
        } catch (IllegalArgumentException e) {
            Json.error(response, 400, e.getMessage());
            return;
        }
        List<ClusterPing.Reply> replies = ping.ping(subDomain, Duration.ofMillis(waitMillis));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subDomain", subDomain.map(SubDomain::label).orElse("all"));
        body.put("waitMs", waitMillis);
        body.put("replies", replies);
        Json.write(response, 200, body);
    }
}
