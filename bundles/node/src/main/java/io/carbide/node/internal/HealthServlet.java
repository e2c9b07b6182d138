package io.carbide.node.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeLifecycle;
import io.carbide.node.NodeStatusContributor;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/**
 * {@code GET /health} on the client port: what a load balancer asks before it sends traffic.
 * It answers 200 in the {@code ready} state and 503 in every other ({@code starting},
 * {@code lagging}, {@code draining}, {@code refused}), with the state and its reason in the JSON,
 * so a stale or refused worker is taken out of rotation by status code alone, and an operator
 * reads why.
 */
@Component(immediate = true)
public class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient NodeIdentity node;
    private final transient NodeLifecycle lifecycle;
    private final transient List<NodeStatusContributor> contributors = new CopyOnWriteArrayList<>();
    private final transient Gson gson = new GsonBuilder().disableHtmlEscaping().create();
    private final transient BundleContext context;
    private final transient ServiceRegistration<Servlet> registration;

    @Activate
    public HealthServlet(@Reference NodeIdentity node, @Reference NodeLifecycle lifecycle, BundleContext context) {
        this.node = node;
        this.lifecycle = lifecycle;
        this.context = context;
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/health");
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.clientHttpTarget());
        this.registration = context.registerService(Servlet.class, this, properties);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addContributor(NodeStatusContributor contributor) {
        contributors.add(contributor);
    }

    void removeContributor(NodeStatusContributor contributor) {
        contributors.remove(contributor);
    }

    Map<String, Object> report() {
        Map<String, Object> report = NodeReport.identity(node);
        for (NodeStatusContributor contributor : contributors) {
            report.putAll(contributor.health());
        }
        NodeReport.putState(report, NodeReport.readiness(context, lifecycle, contributors));
        return report;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Map<String, Object> report = report();
        response.setStatus(Boolean.TRUE.equals(report.get("ready")) ? 200 : 503); // 200 in the ready state only
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(gson.toJson(report));
    }
}
