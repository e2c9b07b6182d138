package io.carbide.management.internal;

import io.carbide.node.NodeIdentity;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * A servlet of the management API: it puts itself on the management port only (never the client
 * port) through the HTTP whiteboard, and takes itself off when its component goes.
 */
public abstract class ManagementServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient ServiceRegistration<Servlet> registration;

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
