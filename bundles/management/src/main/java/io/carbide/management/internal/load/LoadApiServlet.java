package io.carbide.management.internal.load;

import io.carbide.cluster.SubDomain;
import io.carbide.management.internal.Json;
import io.carbide.management.internal.ManagementServlet;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The load of each sub-domain, the signal an autoscaler polls:
 * {@code GET /api/subdomains} lists them with their node counts;
 * {@code GET /api/subdomains/NAME/load[?window=SECONDS]} gives requests and server errors per
 * second, in-flight requests, p50 and p99 latency from the nodes' merged histograms and mean CPU
 * over the window (default 10 s), each node's share, and the last few minutes as a series.
 */
@Component(immediate = true)
public class LoadApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final int DEFAULT_WINDOW_SECONDS = 10;

    private final transient FleetLoad load;

    @Activate
    public LoadApiServlet(@Reference NodeIdentity node, @Reference FleetLoad load, BundleContext context) {
        this.load = load;
        publish(context, node, "/api/subdomains", "/api/subdomains/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = pathName(request);
        if (path.isEmpty()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SubDomain subDomain : SubDomain.values()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", subDomain.label());
                row.put("nodes", load.members(subDomain).size()); // a count: no rates worked out for it
                row.put("load", "/api/subdomains/" + subDomain.label() + "/load");
                rows.add(row);
            }
            Json.write(response, 200, Map.of("subDomains", rows));
            return;
        }
        String[] parts = path.split("/", -1);
        SubDomain subDomain;
        try {
            subDomain = SubDomain.parse(parts[0]);
        } catch (IllegalArgumentException unknown) {
            Json.error(response, 404, unknown.getMessage() + "; GET /api/subdomains lists them");
            return;
        }
        if (parts.length != 2 || !"load".equals(parts[1])) {
            Json.error(response, 404, "ask GET /api/subdomains/" + subDomain.label() + "/load for its load");
            return;
        }
        int window;
        try {
            String asked = request.getParameter("window");
            window = asked == null ? DEFAULT_WINDOW_SECONDS : Integer.parseInt(asked.strip());
            if (window < 1 || window > FleetLoad.MAX_WINDOW_SECONDS) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            Json.error(response, 400, "give the window in whole seconds from 1 to " + FleetLoad.MAX_WINDOW_SECONDS
                    + ", e.g. ?window=10");
            return;
        }
        Json.write(response, 200, body(load.load(subDomain, window)));
    }

    static Map<String, Object> body(FleetLoad.Load load) {
        LoadMath.Merged merged = load.merged();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subDomain", load.subDomain().label());
        body.put("windowSeconds", load.windowSeconds());
        body.put("nodes", load.members().size());
        body.put("reporting", merged.reporting());
        body.put("requestsPerSecond", round(merged.requestsPerSecond()));
        body.put("serverErrorsPerSecond", round(merged.serverErrorsPerSecond()));
        body.put("inFlight", merged.inFlight());
        body.put("p50Seconds", round(merged.p50Seconds()));
        body.put("p99Seconds", round(merged.p99Seconds()));
        body.put("cpu", round(merged.cpu()));
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (FleetLoad.NodeFigures figures : load.nodes()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("node", figures.node());
            LoadMath.Rate rate = figures.rate();
            if (rate == null) {
                row.put("reporting", false);
            } else {
                LoadMath.Merged alone = LoadMath.merge(List.of(rate));
                row.put("reporting", true);
                row.put("requestsPerSecond", round(rate.requestsPerSecond()));
                row.put("serverErrorsPerSecond", round(rate.serverErrorsPerSecond()));
                row.put("inFlight", rate.inFlight());
                row.put("p99Seconds", round(alone.p99Seconds()));
                row.put("cpu", round(alone.cpu()));
                row.put("heapUsedBytes", rate.heapUsedBytes());
            }
            nodes.add(row);
        }
        body.put("members", nodes);
        body.put("series", load.series().stream().map(point -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("at", point.at());
            row.put("nodes", point.nodes());
            row.put("requestsPerSecond", round(point.requestsPerSecond()));
            row.put("p99Seconds", round(point.p99Seconds()));
            row.put("cpu", round(point.cpu()));
            return row;
        }).toList());
        return body;
    }

    /** Four significant decimals are plenty for a chart or an autoscaler, and keep the JSON short. */
    private static Double round(Double value) {
        return value == null || value.isNaN() || value.isInfinite() ? null : Math.round(value * 10_000) / 10_000.0;
    }
}
