package io.carbide.metrics.internal;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: the node's metrics in the format the scraper asks for (Prometheus text or
 * OpenMetrics), written by the Prometheus client's own writers. A request that came through a load
 * balancer Carbide configured (it sets {@value #BALANCER_HEADER}, overwriting whatever a client
 * sent) is answered 404: clients of the service never read a node's metrics, however they spell
 * the path.
 */
final class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String BALANCER_HEADER = "X-Carbide-Balancer";

    private final transient Supplier<PrometheusRegistry> registry;
    private final transient ExpositionFormats formats = ExpositionFormats.init();

    /** @param registry the node's registry, complete by the time it is asked for */
    MetricsServlet(Supplier<PrometheusRegistry> registry) {
        this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getHeader(BALANCER_HEADER) != null) {
            response.sendError(404);
            return;
        }
        ExpositionFormatWriter writer = formats.findWriter(request.getHeader("Accept"));
        // written whole first, so a failing metric answers 500 instead of a cut-off page
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        writer.write(body, registry.get().scrape());
        response.setStatus(200);
        response.setContentType(writer.getContentType());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.size());
        body.writeTo(response.getOutputStream());
    }
}
