package io.carbide.management.internal;

import io.carbide.cluster.ClusterPing;
import io.carbide.cluster.SubDomain;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
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
 * to answer and lists who did, with round-trip times.
 */
@Component(immediate = true)
public class ClusterApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final long MAX_WAIT_MILLIS = 10_000;

    private final transient FleetView fleet;
    private final transient ClusterPing ping;

    @Activate
    public ClusterApiServlet(@Reference NodeIdentity node,
            @Reference FleetView fleet, @Reference ClusterPing ping, BundleContext context) {
        this.fleet = fleet;
        this.ping = ping;
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
