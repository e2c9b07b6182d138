package io.carbide.itests.loadbalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's "separate sub clusters with one load balancer", with Debian's HAProxy on 127.0.0.1:
 * the manager writes HAProxy's configuration from its cluster view and reloads it by itself. The
 * service host name reaches only the workers, spread over them; the management host name reaches
 * the manager's console and API through TLS passed through by SNI; a worker killed with kill -9
 * stops getting traffic, and a worker started later gets it, with nobody touching HAProxy. The
 * same routing with Debian's nginx.
 */
class HaproxyTopologyTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String SERVICE = "service.carbide.test";
    private static final String MANAGEMENT = "manage.carbide.test";
    private static final String PASSWORD = "load-balancer-test-password";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    /** The pid file of the load balancer the test's reload script started. */
    private Path balancerPids;

    /** The manager that drives the load balancer: stopped first, so it starts no new one meanwhile. */
    private NodeProcess driver;

    @AfterEach
    void stopHaproxy() throws IOException {
        if (driver != null) {
            driver.kill();
        }
        // the load balancer runs as a daemon the reload script started: stop exactly the processes in its pid file
        if (balancerPids != null && Files.isRegularFile(balancerPids)) {
            for (String pid : Files.readAllLines(balancerPids)) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(HaproxyTopologyTest::stop);
                }
            }
        }
    }

    /** SIGTERM, so nginx's master stops its workers too; whatever is left after 5 s is killed. */
    private static void stop(ProcessHandle process) {
        java.util.List<ProcessHandle> family = new java.util.ArrayList<>(process.descendants().toList());
        family.add(process);
        family.forEach(ProcessHandle::destroy);
        for (ProcessHandle member : family) {
            try {
                member.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception stillThere) {
                member.destroyForcibly();
            }
        }
    }

    @Test
    void theServiceReachesTheWorkersAndTheManagementHostTheManagerAsNodesComeAndGo() throws Exception {
        int servicePort = freePort();
        int managementPort = freePort();
        balancerPids = temp.resolve("mgr/lb/haproxy.pid"); // where the shipped reload script keeps it
        Fleet fleet = startFleet(servicePort, managementPort,
                Distribution.home().resolve("bin/haproxy-reload.sh").toString());
        NodeProcess manager = fleet.manager();
        NodeProcess w2 = fleet.w2();

        // the service host: both workers, nobody else
        assertEquals(Set.of("w1", "w2"), awaitServedBy(servicePort, Set.of("w1", "w2")));
        assertEquals(404, get(servicePort, "elsewhere.test", "/hello-site/").status(), "an unknown host goes nowhere");

        // the management host: the manager's own TLS, passed through by name; its certificate carries that name
        String answer = managementRequest(managementPort, manager, "/api/node");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("\"mgr\""), answer);

        // kill -9 a worker: HAProxy's checks and the manager's next file take it out
        w2.kill();
        Thread.sleep(4_000);
        for (int i = 0; i < 20; i++) {
            Answer served = get(servicePort, SERVICE, "/hello-site/");
            assertEquals(200, served.status(), "request " + i + " after w2 died");
            assertEquals("w1", served.node());
        }

        // a worker started later gets traffic with no manual step
        NodeProcess w3 = started.add(worker("w3", manager));
        assertEquals(0, w3.start().exitCode());
        awaitServedBy(servicePort, Set.of("w1", "w3"));
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);
        String haproxy = api.get("/api/lb/haproxy.cfg").body();
        assertTrue(haproxy.contains("server w3 ") && !haproxy.contains("server w2 "), haproxy);
        assertTrue(manager.logContains("Load balancer reloaded"), manager.logTail());
    }

    /**
     * The same routing with nginx, which checks nothing by itself: the manager lists only the
     * nodes whose /health answers 200 and reloads nginx when that changes.
     */
    @Test
    void nginxRoutesTheSameAndLeavesADeadWorkerOutOnceTheManagerSeesIt() throws Exception {
        int servicePort = freePort();
        int managementPort = freePort();
        Path nginx = temp.resolve("nginx");
        Files.createDirectories(nginx);
        Path lb = temp.resolve("mgr/lb"); // the manager started below keeps its files there
        Files.writeString(nginx.resolve("nginx.conf"), """
                load_module /usr/lib/nginx/modules/ngx_stream_module.so;
                daemon on;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    include %2$s/nginx-http.conf;
                }
                stream {
                    include %2$s/nginx-stream.conf;
                }
                """.formatted(nginx, lb));
        Files.writeString(nginx.resolve("reload.sh"), """
                #!/bin/sh
                # checks the whole configuration, then reloads nginx, or starts it the first time
                set -e
                conf="%1$s/nginx.conf"
                nginx -t -q -c "$conf"
                if [ -s "%1$s/nginx.pid" ] && kill -0 "$(cat "%1$s/nginx.pid")" 2>/dev/null; then
                  exec nginx -c "$conf" -s reload
                fi
                exec nginx -c "$conf"
                """.formatted(nginx));
        balancerPids = nginx.resolve("nginx.pid");
        Fleet fleet = startFleet(servicePort, managementPort, "sh " + nginx.resolve("reload.sh"));
        NodeProcess manager = fleet.manager();
        NodeProcess w2 = fleet.w2();
        assertEquals(Set.of("w1", "w2"), awaitServedBy(servicePort, Set.of("w1", "w2")));
        assertEquals(404, get(servicePort, "elsewhere.test", "/hello-site/").status(), "an unknown host goes nowhere");
        String answer = managementRequest(managementPort, manager, "/api/node");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);

        w2.kill();
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline && Files.readString(lb.resolve("nginx-http.conf")).contains("# w2")) {
            Thread.sleep(200);
        }
        Thread.sleep(1_000); // the reload
        for (int i = 0; i < 20; i++) {
            Answer served = get(servicePort, SERVICE, "/hello-site/");
            assertEquals(200, served.status(), "request " + i + " after w2 died");
            assertEquals("w1", served.node());
        }
    }

    /** The manager driving the load balancer and two workers serving the example site. */
    private record Fleet(NodeProcess manager, NodeProcess w1, NodeProcess w2) {
    }

    private Fleet startFleet(int servicePort, int managementPort, String reloadCommand) throws Exception {
        NodeProcess manager = started.add(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr",
                "-Dcarbide.lb.serviceHost=" + SERVICE, "-Dcarbide.lb.managementHost=" + MANAGEMENT,
                "-Dcarbide.lb.servicePort=" + servicePort, "-Dcarbide.lb.managementPort=" + managementPort,
                "-Dcarbide.lb.reloadCommand=" + reloadCommand).withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        driver = manager;
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        NodeProcess w1 = started.add(worker("w1", manager));
        NodeProcess w2 = started.add(worker("w2", manager));
        for (NodeProcess worker : List.of(w1, w2)) {
            assertEquals(0, worker.start().exitCode());
        }
        Artifacts.drop(Artifacts.helloSite(), manager.deployDir(), "hello-site.zip");
        for (NodeProcess worker : List.of(w1, w2)) {
            worker.awaitHttp("/hello-site/", 200, null, CONVERGE);
        }
        return new Fleet(manager, w1, w2);
    }

    private NodeProcess worker(String name, NodeProcess manager) {
        return new NodeProcess(temp.resolve(name), "worker", "-Dnode=" + name, "-Dcarbide.client.nodeHeader=true",
                manager.asWellKnownMember());
    }

    /** Asks through the load balancer until every node of {@code expected} has answered; returns who answered. */
    private static Set<String> awaitServedBy(int port, Set<String> expected) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        Set<String> seen = new HashSet<>();
        String last = "";
        while (System.nanoTime() < deadline) {
            Set<String> round = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                Answer answer = get(port, SERVICE, "/hello-site/");
                last = answer.status() + " from " + answer.node();
                if (answer.status() == 200) {
                    round.add(answer.node());
                }
            }
            if (round.containsAll(expected)) {
                seen = round;
                break;
            }
            Thread.sleep(500);
        }
        assertTrue(seen.containsAll(expected), "served by " + seen + ", wanted " + expected + "; last " + last);
        return seen;
    }

    private record Answer(int status, String node) {
    }

    /** One request with a chosen Host header, exactly as a client behind that name sends it. */
    private static Answer get(int port, String host, String path) throws IOException {
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

    /** A request to the management host through the load balancer: TLS with that name (SNI), checked against it. */
    private static String managementRequest(int port, NodeProcess manager, String path) throws Exception {
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
                        + Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8))
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = tls.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new AssertionError("no answer from " + MANAGEMENT + " through the load balancer", last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
