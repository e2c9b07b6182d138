package io.carbide.management.internal;

import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Every path under {@code /api/} that no other servlet takes: a JSON 404 a script can read,
 * rather than the console's page.
 */
@Component(immediate = true)
public class UnknownApiPaths extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    @Activate
    public UnknownApiPaths(@Reference NodeIdentity node, BundleContext context) {
        publish(context, node, "/api/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Json.error(response, 404, "no such API resource: " + request.getMethod() + " " + request.getRequestURI()
                + "; the README lists the API (GET /api/cluster, /api/artifacts, /api/config, ...)");
    }
}
