package io.carbide.management.internal;

import io.carbide.node.NodeIdentity;
import io.carbide.node.Role;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/node} on the management port: the node's identity and its bundles with the
 * role each declares, for operators and tools.
 */
@Component(immediate = true)
public class NodeApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient NodeIdentity node;
    private final transient BundleContext context;
    private final transient ServiceRegistration<Servlet> registration;

    @Activate
    public NodeApiServlet(@Reference NodeIdentity node, BundleContext context) {
        this.node = node;
        this.context = context;
        this.registration = context.registerService(Servlet.class, this,
                Json.managementServlet("/api/node", node.managementHttpTarget()));
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    Map<String, Object> describe() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node.name());
        body.put("profile", node.profile());
        body.put("roles", node.roles().stream().map(Role::label).toList());
        body.put("readOnly", node.isReadOnly());
        body.put("version", node.version());
        List<Map<String, Object>> bundles = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", bundle.getBundleId());
            entry.put("symbolicName", bundle.getSymbolicName());
            entry.put("version", bundle.getVersion().toString());
            entry.put("state", bundle.getState() == Bundle.ACTIVE ? "ACTIVE" : String.valueOf(bundle.getState()));
            String roles = bundle.getHeaders("").get(Role.HEADER);
            entry.put("roles", roles == null ? "any" : roles);
            bundles.add(entry);
        }
        body.put("bundles", bundles);
        return body;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Json.write(response, 200, describe());
    }
}
