package io.carbide.management.internal;

import io.carbide.node.NodeIdentity;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * A servlet of the management API: it puts itself on the management port only (never the client
 * port) through the HTTP whiteboard, and takes itself off when its component goes.
 */
public abstract class ManagementServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient ServiceRegistration<Servlet> registration;

    /**
     * Answers a failure no servlet caught with a one-line JSON 500 before the security context's
     * {@code finishSecurity} runs, so the audit trail records it as failed, not as the 200 the
     * response still held.
     */
    @Override
    protected void service(HttpServletRequest request, jakarta.servlet.http.HttpServletResponse response)
            throws jakarta.servlet.ServletException, IOException {
        try {
            super.service(request, response);
        } catch (IOException | RuntimeException e) {
            if (response.isCommitted()) {
                throw e;
            }
            response.reset();
            Json.error(response, 500, request.getMethod() + " " + request.getServletPath()
                    + (request.getPathInfo() == null ? "" : request.getPathInfo()) + " failed: " + e.getMessage());
        }
    }

    /** Registers this servlet for {@code patterns} on the node's management port. */
    protected final void publish(BundleContext context, NodeIdentity node, String... patterns) {
        registration = context.registerService(Servlet.class, this,
                Json.managementServlet(node.managementHttpTarget(), patterns));
    }

    /** Call from the component's deactivate method. */
    protected final void withdraw() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }

    /** What follows the servlet's pattern, without the slash: an artifact, PID, user or node name; "" for none. */
    protected static String pathName(HttpServletRequest request) {
        String path = request.getPathInfo();
        return path == null ? "" : path.replaceFirst("^/", "");
    }
}
