package io.carbide.console.internal;

import io.carbide.node.NodeIdentity;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/**
 * Serves the console's page, script, style sheet and images from this bundle at
 * {@code /console/} on the management port, and sends {@code /} there. Nothing is fetched from
 * the internet, and the content security policy forbids it: management networks are often
 * closed. The files hold no data; everything the console shows comes from the management API,
 * which requires a log-in.
 */
@Component(immediate = true)
public class ConsoleServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Map<String, String> TYPES = Map.of("html", "text/html", "js", "text/javascript",
            "css", "text/css", "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon");
    private static final String POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    private final transient BundleContext context;
    private final transient ServiceRegistration<Servlet> registration;

    @Activate
    public ConsoleServlet(@Reference NodeIdentity node, BundleContext context) {
        this.context = context;
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, new String[] {"/console/*", "/"});
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.managementHttpTarget());
        // the management port's security context: the console's files pass it without a log-in
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT, NodeIdentity.MANAGEMENT_CONTEXT_SELECT);
        this.registration = context.registerService(Servlet.class, this, properties);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String uri = request.getRequestURI();
        if (uri.equals("/") || uri.equals("/console")) {
            response.sendRedirect("/console/");
            return;
        }
        if (!uri.startsWith("/console/")) {
            response.sendError(404, "Not found: the console is at /console/ and the API under /api/");
            return;
        }
        String path = uri.equals("/console/") ? "/index.html" : uri.substring("/console".length());
        String extension = path.substring(path.lastIndexOf('.') + 1);
        URL resource = path.contains("..") ? null : context.getBundle().getEntry("console" + path);
        if (resource == null || !TYPES.containsKey(extension)) {
            response.sendError(404, "No such console file: " + path);
            return;
        }
        response.setContentType(TYPES.get(extension));
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Content-Security-Policy", POLICY);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-cache");
        try (InputStream in = resource.openStream()) {
            in.transferTo(response.getOutputStream());
        }
    }
}
