package io.carbide.management.internal.lb;

import io.carbide.management.internal.Json;
import io.carbide.management.internal.ManagementServlet;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/lb} lists the load balancer's files, {@code GET /api/lb/NAME} is one of them as
 * text ({@code haproxy.cfg}, {@code nginx-http.conf}, {@code nginx-stream.conf}).
 */
@Component(immediate = true)
public class LoadBalancerServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    private final transient LoadBalancerFeed feed;

    @Activate
    public LoadBalancerServlet(@Reference NodeIdentity node, @Reference LoadBalancerFeed feed, BundleContext context) {
        this.feed = feed;
        publish(context, node, "/api/lb/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Map<String, String> files = feed.files();
        if (files.isEmpty()) {
            Json.error(response, 404, "no load balancer is configured: start the manager with "
                    + LoadBalancerSettings.SERVICE_HOST + "=HOST (see the README)");
            return;
        }
        String name = pathName(request);
        if (name.isEmpty()) {
            Json.write(response, 200, Map.of("files", files.keySet()));
            return;
        }
        String file = files.get(name);
        if (file == null) {
            Json.error(response, 404, "no load balancer file named " + name + "; GET /api/lb lists them");
            return;
        }
        response.setContentType("text/plain; charset=UTF-8");
        response.getWriter().write(file);
    }
}
