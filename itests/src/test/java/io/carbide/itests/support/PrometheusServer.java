package io.carbide.itests.support;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A real Prometheus server (Debian's {@code prometheus}) started by a test on 127.0.0.1 with its
 * own configuration and data folder, scraping the given nodes' {@code /metrics} every second.
 * Closing it stops exactly the process it started.
 */
public final class PrometheusServer implements AutoCloseable {

    private final Path folder;
    private final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Path folder, int port, Process process) {
        this.folder = folder;
        this.port = port;
        this.process = process;
    }

    public static PrometheusServer scraping(Path folder, List<NodeProcess> nodes) throws IOException {
        Files.createDirectories(folder.resolve("data"));
        String targets = nodes.stream().map(node -> "'127.0.0.1:" + node.clientPort() + "'")
                .collect(Collectors.joining(", "));
        Files.writeString(folder.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: carbide
                    metrics_path: /metrics
                    static_configs:
                      - targets: [%s]
                """.formatted(targets));
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder("prometheus",
                "--config.file=" + folder.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + folder.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(folder.resolve("prometheus.log").toFile()).start();
        return new PrometheusServer(folder, port, process);
    }

    /** The result vector of an instant query ({@code data.result}), or null while Prometheus cannot answer. */
    public JsonArray query(String expression) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            JsonObject body = JsonParser.parseString(response.body()).getAsJsonObject();
            return body.getAsJsonObject("data").getAsJsonArray("result");
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Asks {@code expression} until its result satisfies {@code condition}; fails with the last result and the log. */
    public JsonArray await(String expression, Predicate<JsonArray> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonArray last = null;
        while (System.nanoTime() < deadline) {
            last = query(expression);
            if (last != null && condition.test(last)) {
                return last;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Prometheus never answered " + expression + " as expected; last: " + last
                + "\n" + logTail());
    }

    /** The value of one sample of a result vector. */
    public static double value(JsonObject sample) {
        return Double.parseDouble(sample.getAsJsonArray("value").get(1).getAsString());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(folder.resolve("prometheus.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no Prometheus log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
