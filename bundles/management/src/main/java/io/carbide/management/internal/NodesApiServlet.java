package io.carbide.management.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.node.BundleInfo;
import io.carbide.node.NodeIdentity;
import io.carbide.node.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Nodes on the management port: {@code GET /api/node} is this node (identity and bundles);
 * {@code GET /api/nodes/NAME} is any member, its bundles asked for over the cluster, because
 * workers have no management port of their own.
 */
@Component(immediate = true)
public class NodesApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

    private final transient NodeIdentity node;
    private final transient FleetView fleet;
    private final transient BundleContext context;

    @Activate
    public NodesApiServlet(@Reference NodeIdentity node, @Reference FleetView fleet, BundleContext context) {
        this.node = node;
        this.fleet = fleet;
        this.context = context;
        publish(context, node, "/api/node", "/api/nodes/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = pathName(request);
        if ("/api/node".equals(request.getServletPath()) || name.equals(node.name())) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("node", node.name());
            body.put("profile", node.profile());
            body.put("roles", node.roles().stream().map(Role::label).toList());
            body.put("readOnly", node.isReadOnly());
            body.put("version", node.version());
            body.put("bundles", BundleInfo.of(context));
            Json.write(response, 200, body);
            return;
        }
        if (name.isEmpty()) {
            Json.write(response, 200, Map.of("nodes", fleet.clusterSummary().get("members")));
            return;
        }
        Optional<ClusterMember> member = fleet.cluster().view().member(name);
        if (member.isEmpty()) {
            Json.error(response, 404, "no node named " + name + " in the cluster; GET /api/cluster lists the members");
            return;
        }
        try {
            ClusterMessage reply = fleet.cluster()
                    .request(name, new ClusterMessage(BundleInfo.REQUEST_TYPE, BundleInfo.ENCODING_VERSION, null),
                            ASK_TIMEOUT)
                    .toCompletableFuture().get(ASK_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("node", name);
            body.put("profile", member.get().profile());
            body.put("version", member.get().version());
            body.put("bundles", BundleInfo.decode(reply.payload()));
            Json.write(response, 200, body);
        } catch (ExecutionException | TimeoutException e) {
            Json.error(response, 504, "node " + name + " did not list its bundles: " + (e.getCause() == null
                    ? "no answer within " + ASK_TIMEOUT.toSeconds() + " s" : e.getCause().getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Json.error(response, 503, "interrupted while asking node " + name);
        }
    }
}
