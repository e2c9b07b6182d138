package io.carbide.serving.internal;

import io.carbide.deployment.WebAppHost;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.Servlet;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts each published web application on the client port at {@code /<name>/}, through the
 * servlet whiteboard: one servlet per application, replaced atomically when a new version is
 * published (the new registration is in place before the old one goes).
 */
@Component(service = WebAppHost.class)
public class StaticWebApps implements WebAppHost {

    private static final Logger LOG = LoggerFactory.getLogger(StaticWebApps.class);

    private final NodeIdentity node;
    private final BundleContext context;
    private final Map<String, ServiceRegistration<Servlet>> published = new ConcurrentHashMap<>();

    @Activate
    public StaticWebApps(@Reference NodeIdentity node, BundleContext context) {
        this.node = node;
        this.context = context;
    }

    @Override
    public synchronized void publish(String name, Path root) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, new String[] {"/" + name + "/*"});
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "webapp-" + name);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.clientHttpTarget());
        ServiceRegistration<Servlet> next = context.registerService(Servlet.class, new StaticFileServlet(root),
                properties);
        ServiceRegistration<Servlet> previous = published.put(name, next);
        if (previous != null) {
            previous.unregister();
        }
        LOG.info("Serving web application {} at http://127.0.0.1:{}/{}/", name, node.clientPort(), name);
    }

    @Override
    public synchronized void unpublish(String name) {
        ServiceRegistration<Servlet> previous = published.remove(name);
        if (previous != null) {
            previous.unregister();
            LOG.info("Stopped serving web application {}", name);
        }
    }

    @Deactivate
    void close() {
        published.values().forEach(ServiceRegistration::unregister);
        published.clear();
    }
}
