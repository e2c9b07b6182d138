package io.carbide.serving.internal;

import io.carbide.node.NodeIdentity;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/**
 * With {@value #PROPERTY}{@code =true}, every answer a servlet gives on the client port (web
 * applications, bundles' servlets, /health) names the node that gave it ({@code X-Carbide-Node}), so someone behind a load balancer can see where a request went. Off
 * by default: it shows internal node names to clients.
 */
@Component(immediate = true, service = {})
public class NodeHeader implements Filter {

    static final String PROPERTY = "carbide.client.nodeHeader";
    static final String HEADER = "X-Carbide-Node";

    private final String name;
    private final ServiceRegistration<Filter> registration;

    @Activate
    public NodeHeader(@Reference NodeIdentity node, BundleContext context) {
        this.name = node.name();
        if (Boolean.parseBoolean(context.getProperty(PROPERTY))) {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_PATTERN, "/*");
            properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.clientHttpTarget());
            properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_ASYNC_SUPPORTED, true);
            this.registration = context.registerService(Filter.class, this, properties);
        } else {
            this.registration = null;
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        ((HttpServletResponse) response).setHeader(HEADER, name);
        chain.doFilter(request, response);
    }
}
