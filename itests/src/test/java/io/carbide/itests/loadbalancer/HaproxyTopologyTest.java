package io.carbide.itests.loadbalancer;

import static io.carbide.itests.loadbalancer.Balancer.MANAGEMENT;
import static io.carbide.itests.loadbalancer.Balancer.SERVICE;
import static io.carbide.itests.loadbalancer.Balancer.awaitServedBy;
import static io.carbide.itests.loadbalancer.Balancer.freePort;
import static io.carbide.itests.loadbalancer.Balancer.get;
import static io.carbide.itests.loadbalancer.Balancer.managementRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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

    private static final String PASSWORD = "load-balancer-test-password";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    /** The pid file of the load balancer the test's reload script started. */
    private Path balancerPids;

    /** The manager that drives the load balancer: stopped first, so it starts no new one meanwhile. */
    private NodeProcess driver;

    /** The load balancer's own error log, shown when a request through it fails. */
    private Path balancerLog;

    @AfterEach
    void stopTheBalancer() throws IOException {
        if (driver != null) {
            driver.kill();
        }
        if (balancerPids != null) {
            Balancer.stop(balancerPids);
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

        String answer = assertRouted(servicePort, managementPort, manager);
        assertTrue(answer.contains("\"mgr\""), answer);

        // kill -9 a worker: HAProxy's checks and the manager's next file take it out
        w2.kill();
        Thread.sleep(4_000);
        for (int i = 0; i < 20; i++) {
            Balancer.Answer served = get(servicePort, SERVICE, "/hello-site/");
            assertEquals(200, served.status(), "request " + i + " after w2 died");
            assertEquals("w1", served.node());
        }

        // a worker started later gets traffic with no manual step
        NodeProcess w3 = started.add(worker("w3", manager));
        assertEquals(0, w3.start().exitCode());
        awaitServedBy(servicePort, "/hello-site/", Set.of("w1", "w3"));
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
        balancerLog = nginx.resolve("error.log");
        Fleet fleet = startFleet(servicePort, managementPort, "sh " + nginx.resolve("reload.sh"));
        NodeProcess manager = fleet.manager();
        NodeProcess w2 = fleet.w2();
        assertRouted(servicePort, managementPort, manager);

        w2.kill();
        long deadline = System.nanoTime() + Balancer.CONVERGE.toNanos();
        while (System.nanoTime() < deadline && Files.readString(lb.resolve("nginx-http.conf")).contains("# w2")) {
            Thread.sleep(200);
        }
        Thread.sleep(1_000); // the reload
        for (int i = 0; i < 20; i++) {
            Balancer.Answer served = get(servicePort, SERVICE, "/hello-site/");
            assertEquals(200, served.status(), "request " + i + " after w2 died");
            assertEquals("w1", served.node());
        }
    }

    /**
     * The routing both load balancers must do: the service host to both workers and nobody else, an
     * unknown host nowhere, the management host to the manager's own TLS, passed through by name
     * (its certificate carries that name); the nodes' metrics are not shown through it. Returns the
     * manager's answer.
     */
    private String assertRouted(int servicePort, int managementPort, NodeProcess manager) throws Exception {
        assertEquals(Set.of("w1", "w2"), awaitServedBy(servicePort, "/hello-site/", Set.of("w1", "w2")));
        assertEquals(404, settled(servicePort, "elsewhere.test", "/hello-site/"),
                () -> "an unknown host goes nowhere" + diagnosis(manager));
        assertEquals(404, settled(servicePort, SERVICE, "/metrics"),
                () -> "a node's metrics are not for its clients" + diagnosis(manager));
        String answer = managementRequest(managementPort, manager, PASSWORD, "/api/node");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        return answer;
    }

    /**
     * The status of a request through the balancer once it settled. Right after {@code nginx -s
     * reload}, nginx's old worker processes still take some new connections for a moment, with the
     * configuration before (here the one written before any worker was healthy, which routes the
     * service host nowhere: 502); what a settled balancer answers is what the routing is about.
     */
    private static int settled(int port, String host, String path) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        int status = get(port, host, path).status();
        while (status == 502 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            status = get(port, host, path).status();
        }
        return status;
    }

    /** What the manager last gave the load balancer, what it logged, and the balancer's own errors. */
    private String diagnosis(NodeProcess manager) {
        StringBuilder out = new StringBuilder();
        for (Path file : List.of(temp.resolve("mgr/lb/nginx-http.conf"), temp.resolve("mgr/lb/haproxy.cfg"))) {
            try {
                out.append("\n--- ").append(file.getFileName()).append(":\n").append(Files.readString(file));
            } catch (IOException e) {
                out.append("\n--- ").append(file.getFileName()).append(": ").append(e);
            }
        }
        if (balancerLog != null && Files.exists(balancerLog)) {
            try {
                List<String> lines = Files.readAllLines(balancerLog);
                out.append("\n--- balancer log:\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            } catch (IOException e) {
                out.append("\n--- balancer log: ").append(e);
            }
        }
        return out.append("\n--- manager:\n").append(manager.logTail()).toString();
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
            worker.awaitHttp("/hello-site/", 200, null, Balancer.CONVERGE);
        }
        return new Fleet(manager, w1, w2);
    }

    private NodeProcess worker(String name, NodeProcess manager) {
        return new NodeProcess(temp.resolve(name), "worker", "-Dnode=" + name, "-Dcarbide.client.nodeHeader=true",
                manager.asWellKnownMember());
    }
}
