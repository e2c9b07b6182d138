package io.carbide.itests.loadbalancer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A load balancer in front of a test fleet, seen as its clients see it: requests with a chosen
 * Host header (the node that answered is in {@code X-Carbide-Node}), TLS to the management host
 * name, and the load balancer's own processes, stopped by the pids in its pid file.
 */
final class Balancer {

    static final Duration CONVERGE = Duration.ofSeconds(60);
    static final String SERVICE = "service.carbide.test";
    static final String MANAGEMENT = "manage.carbide.test";

    private Balancer() {
    }

    /** One answer through the load balancer: its status and the node that served it. */
    record Answer(int status, String node) {
    }

    /** One request with a chosen Host header, exactly as a client behind that name sends it. */
    static Answer get(int port, String host, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int status = response.startsWith("HTTP/1.") ? Integer.parseInt(response.substring(9, 12)) : -1;
            String node = response.lines().filter(line -> line.regionMatches(true, 0, "X-Carbide-Node:", 0, 15))
                    .map(line -> line.substring(15).strip()).findFirst().orElse("");
            return new Answer(status, node);
        }
    }

    /** Asks the service for {@code path} until every node of {@code expected} has answered 200; returns who did. */
    static Set<String> awaitServedBy(int port, String path, Set<String> expected) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        Set<String> seen = new HashSet<>();
        String last = "";
        while (System.nanoTime() < deadline) {
            Set<String> round = new HashSet<>();
            for (int i = 0; i < 4 * expected.size() + 2; i++) {
                Answer answer = get(port, SERVICE, path);
                last = answer.status() + " from " + answer.node();
                if (answer.status() == 200) {
                    round.add(answer.node());
                }
            }
            if (round.containsAll(expected)) {
                seen = round;
                break;
            }
            Thread.sleep(250);
        }
        assertTrue(seen.containsAll(expected), path + " served by " + seen + ", wanted " + expected + "; last " + last);
        return seen;
    }

    /** A request to the management host through the load balancer: TLS with that name (SNI), checked against it. */
    static String managementRequest(int port, NodeProcess manager, String password, String path) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Socket plain = new Socket("127.0.0.1", port);
                 SSLSocket tls = (SSLSocket) ManagementClient.trusting(manager.base()).getSocketFactory()
                         .createSocket(plain, MANAGEMENT, port, true)) {
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(MANAGEMENT)));
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                tls.setSSLParameters(parameters);
                tls.setSoTimeout(10_000);
                OutputStream out = tls.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: " + MANAGEMENT + "\r\nAuthorization: Basic "
                        + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8))
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return new String(tls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new AssertionError("no answer from " + MANAGEMENT + " through the load balancer", last);
    }

    /** The pids in a load balancer's pid file; none when it has none. */
    static List<Long> pids(Path pidFile) throws IOException {
        List<Long> pids = new ArrayList<>();
        if (Files.isRegularFile(pidFile)) {
            for (String line : Files.readAllLines(pidFile)) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        }
        return pids;
    }

    /**
     * Stops the load balancer a reload script started as a daemon: SIGTERM to exactly the processes
     * in its pid file and their children (nginx's master stops its workers too); whatever is left
     * after 5 s is killed.
     */
    static void stop(Path pidFile) throws IOException {
        for (long pid : pids(pidFile)) {
            ProcessHandle.of(pid).ifPresent(process -> {
                List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
                family.add(process);
                family.forEach(ProcessHandle::destroy);
                for (ProcessHandle member : family) {
                    try {
                        member.onExit().get(5, TimeUnit.SECONDS);
                    } catch (Exception stillThere) {
                        member.destroyForcibly();
                    }
                }
            });
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
