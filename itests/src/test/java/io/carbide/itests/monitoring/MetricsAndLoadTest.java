package io.carbide.itests.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.PrometheusServer;
import io.carbide.itests.support.StartedNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics and load as an operator sees them, on a manager and two workers: a real Prometheus server
 * scrapes every node's {@code /metrics} (all {@code up}) and sees a worker's request counter grow
 * after the test sends it requests; the manager's load API shows that load on that worker alone,
 * with a p99 from the merged histograms; a request that came through a Carbide load balancer is
 * not shown the metrics.
 */
class MetricsAndLoadTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String PASSWORD = "metrics-test-password";
    private static final int REQUESTS = 600;
    private static final int WINDOW_SECONDS = 60;
    private static final String LOAD = "/api/subdomains/worker/load?window=" + WINDOW_SECONDS;

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void prometheusScrapesEveryNodeAndTheLoadApiShowsTrafficWhereItWent() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        NodeProcess w1 = started.add(new NodeProcess(temp.resolve("w1"), "worker", "-Dnode=w1", manager.asWellKnownMember()));
        NodeProcess w2 = started.add(new NodeProcess(temp.resolve("w2"), "worker", "-Dnode=w2", manager.asWellKnownMember()));
        for (NodeProcess worker : List.of(w1, w2)) {
            assertEquals(0, worker.start().exitCode(), worker.logTail());
            worker.awaitReady();
        }
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);
        ManagementClient.Response upload = api.putFile("/api/artifacts/hello-servlet.jar", Artifacts.helloServlet());
        assertEquals(201, upload.status(), upload.body());
        for (NodeProcess worker : List.of(w1, w2)) {
            worker.awaitHttp("/hello", 200, "Hello", CONVERGE);
        }

        // what a node shows directly: client, JVM and replication metrics; nothing through a balancer
        String metrics = w1.awaitHttp("/metrics", 200, "carbide_client_requests_total", CONVERGE);
        for (String name : List.of("carbide_client_request_duration_seconds_bucket", "carbide_client_requests_in_flight",
                "carbide_replication_lag_revisions", "carbide_fetched_bytes_total", "carbide_artifacts{state=\"active\"} 1",
                "jvm_memory_used_bytes", "jvm_threads_current", "process_cpu_seconds_total")) {
            assertTrue(metrics.contains(name), name + " in\n" + metrics);
        }
        HttpResponse<String> viaBalancer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + w1.clientPort() + "/metrics")).header("X-Carbide-Balancer", "haproxy").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, viaBalancer.statusCode(), "clients behind a load balancer never read a node's metrics");
        assertFalse(manager.awaitHttp("/metrics", 200, "carbide_node_info", CONVERGE).contains("carbide_artifacts{"),
                "a manager-only node runs no artifacts, and says nothing about them");

        try (PrometheusServer prometheus = PrometheusServer.scraping(temp.resolve("prometheus"), List.of(manager, w1, w2))) {
            prometheus.await("up", result -> result.size() == 3 && sum(result) == 3, CONVERGE);
            String w1Requests = "sum(carbide_client_requests_total{instance=\"127.0.0.1:" + w1.clientPort() + "\"})";
            double before = sum(prometheus.await(w1Requests, result -> result.size() == 1, CONVERGE));

            // what the API shows before the load: the polling above already sent both workers a few requests
            double w1Before = Math.max(0, node(api.await(LOAD, body -> body.get("nodes").getAsInt() == 2,
                    CONVERGE, "both workers in the load API"), "w1").get("requestsPerSecond").getAsDouble());
            long started = System.nanoTime();
            for (int i = 0; i < REQUESTS; i++) {
                assertEquals(200, w1.get(w1.clientPort(), "/hello").statusCode());
            }
            double seconds = (System.nanoTime() - started) / 1e9;

            prometheus.await(w1Requests, result -> result.size() == 1 && sum(result) >= before + REQUESTS, CONVERGE);
            // the 600 requests fall inside the window: at least half of them must show, on w1 alone
            double grown = w1Before + REQUESTS / 2.0 / WINDOW_SECONDS;
            JsonObject load = api.await(LOAD, body -> node(body, "w1").get("requestsPerSecond").getAsDouble() >= grown,
                    CONVERGE, "w1's load in the API grown from " + w1Before + " to " + grown + " req/s");
            assertEquals(2, load.get("nodes").getAsInt(), load.toString());
            double w1Rate = node(load, "w1").get("requestsPerSecond").getAsDouble();
            double w2Rate = node(load, "w2").get("requestsPerSecond").getAsDouble();
            assertTrue(w2Rate >= 0 && w2Rate < w1Rate / 5, "the load went to w1, not w2 (which served only the test's first polls): " + load);
            assertTrue(load.get("requestsPerSecond").getAsDouble() > 0, load.toString());
            assertNotNull(load.get("p99Seconds").isJsonNull() ? null : load.get("p99Seconds"), load.toString());
            assertTrue(load.get("p99Seconds").getAsDouble() > 0 && load.get("p99Seconds").getAsDouble() <= 10, load.toString());
            assertTrue(load.getAsJsonArray("series").size() > 0, load.toString());
            assertTrue(node(load, "w1").get("cpu").getAsDouble() > 0, "w1's CPU, from its process's own count: " + load);
            System.out.printf("%d requests to w1 in %.1f s; the load API over %d s: %s req/s, p99 %s s%n", REQUESTS,
                    seconds, WINDOW_SECONDS, load.get("requestsPerSecond"), load.get("p99Seconds"));
        }

        // the load is read without JMX: a node never creates the platform MBean server (some 10 MB resident)
        assertFalse(classHistogram(w1).contains("com.sun.jmx.mbeanserver.JmxMBeanServer "),
                "w1 created the platform MBean server");

        // a wrong sub-domain or window is one clear line
        assertEquals(404, api.get("/api/subdomains/workers/load").status());
        assertEquals(400, api.get("/api/subdomains/worker/load?window=9999").status());
        assertEquals(2, api.get("/api/subdomains").json().getAsJsonArray("subDomains").size());
    }

    /** The classes a node's heap holds, from the JDK's jcmd. */
    private static String classHistogram(NodeProcess node) throws Exception {
        String out = node.jcmd("GC.class_histogram");
        assertTrue(out.contains("java.lang.String "), out);
        return out;
    }

    private static double sum(JsonArray result) {
        double sum = 0;
        for (JsonElement sample : result) {
            sum += PrometheusServer.value(sample.getAsJsonObject());
        }
        return sum;
    }

    private static JsonObject node(JsonObject load, String name) {
        for (JsonElement member : load.getAsJsonArray("members")) {
            if (member.getAsJsonObject().get("node").getAsString().equals(name)) {
                JsonObject row = member.getAsJsonObject();
                if (!row.get("reporting").getAsBoolean()) {
                    row.addProperty("requestsPerSecond", -1);
                }
                return row;
            }
        }
        throw new AssertionError(name + " is not in " + load);
    }
}
