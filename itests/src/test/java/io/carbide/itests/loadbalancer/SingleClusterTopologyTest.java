package io.carbide.itests.loadbalancer;

import static io.carbide.itests.loadbalancer.Balancer.MANAGEMENT;
import static io.carbide.itests.loadbalancer.Balancer.SERVICE;
import static io.carbide.itests.loadbalancer.Balancer.awaitServedBy;
import static io.carbide.itests.loadbalancer.Balancer.freePort;
import static io.carbide.itests.loadbalancer.Balancer.get;
import static io.carbide.itests.loadbalancer.Balancer.managementRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's "single cluster with two load balancers", with Debian's HAProxy on 127.0.0.1: one
 * default node, worker and manager at once, drives HAProxy and sits behind both of its host
 * names; every other node is a read-only worker with it as the well-known member. On that one
 * fleet: the routing of both names, a drop served through the load balancer from every node, a
 * rolling restart of every worker under a steady load that loses no request, and a reload command
 * that fails without touching the running load balancer.
 *
 * <p>{@code -Dcarbide.itest.rollingWorkers=N} sets the number of workers (2 by default;
 * {@code bench/loadbalancer.sh} runs it with 4) and the figures are written to
 * {@code target/rolling-restart.txt}.
 */
class SingleClusterTopologyTest {

    private static final String PASSWORD = "single-cluster-test-password";
    /** The steady load during the rolling restart, in requests a second. */
    private static final int LOAD = 200;
    /** How long a stopping worker drains: long enough for HAProxy's checks (1 s, two failures) and the feed. */
    private static final int DRAIN_SECONDS = 4;

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private NodeProcess dual;
    private Path balancerPids;

    @AfterEach
    void stopTheBalancer() throws IOException {
        if (dual != null) {
            dual.kill(); // first, so it starts no new load balancer meanwhile
        }
        if (balancerPids != null) {
            Balancer.stop(balancerPids);
        }
    }

    @Test
    void oneDefaultNodeAndItsWorkersBehindHaproxyRollingRestartedUnderLoadWithoutALostRequest() throws Exception {
        int servicePort = freePort();
        int managementPort = freePort();
        // the shipped reload script, behind a switch the test flips to make the reload command fail
        Path outage = temp.resolve("haproxy-outage");
        Path reload = temp.resolve("reload.sh");
        Files.writeString(reload, """
                #!/bin/sh
                if [ -e "%s" ]; then echo "haproxy: cannot reach the load balancer's host" >&2; exit 1; fi
                exec "%s"
                """.formatted(outage, Distribution.home().resolve("bin/haproxy-reload.sh")), StandardCharsets.UTF_8);
        dual = started.add(new NodeProcess(temp.resolve("dual"), "default", "-Dnode=dual",
                "-Dcarbide.client.nodeHeader=true", "-Dcarbide.drain.seconds=" + DRAIN_SECONDS,
                "-Dcarbide.lb.serviceHost=" + SERVICE, "-Dcarbide.lb.managementHost=" + MANAGEMENT,
                "-Dcarbide.lb.servicePort=" + servicePort, "-Dcarbide.lb.managementPort=" + managementPort,
                "-Dcarbide.lb.reloadCommand=sh " + reload).withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        balancerPids = temp.resolve("dual/lb/haproxy.pid");
        started.startReady(dual);
        List<NodeProcess> workers = new ArrayList<>();
        for (int i = 1; i <= Integer.getInteger("carbide.itest.rollingWorkers", 2); i++) {
            workers.add(started.add(new NodeProcess(temp.resolve("w" + i), "worker", "-Dnode=w" + i,
                    "-Dcarbide.client.nodeHeader=true", "-Dcarbide.drain.seconds=" + DRAIN_SECONDS,
                    dual.asWellKnownMember())));
        }
        for (NodeProcess worker : workers) {
            assertEquals(0, worker.start().exitCode());
        }
        Set<String> everyone = new HashSet<>(List.of("dual"));
        workers.forEach(worker -> everyone.add(worker.name()));

        // the service host: the workers and the default node; a drop into its deploy/ is served by all of them
        Artifacts.drop(Artifacts.helloSite(), dual.deployDir(), "hello-site.zip");
        assertEquals(everyone, awaitServedBy(servicePort, "/hello-site/", everyone));
        Artifacts.drop(Artifacts.helloServlet(), dual.deployDir(), "hello-servlet.jar");
        assertEquals(everyone, awaitServedBy(servicePort, "/hello", everyone));

        // the management host: only the default node, the fleet's one manager
        String answer = managementRequest(managementPort, dual, PASSWORD, "/api/node");
        assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("\"dual\""), answer);
        ManagementClient api = new ManagementClient(dual, "admin", PASSWORD);
        String haproxy = api.get("/api/lb/haproxy.cfg").body();
        String managers = haproxy.substring(haproxy.indexOf("backend carbide_managers"));
        assertTrue(managers.contains("server dual ") && !managers.contains("server w1 "), haproxy);
        // the same file from the command line
        ProcessBuilder cli = new ProcessBuilder(Distribution.home().resolve("bin/carbide").toString(), "lb",
                "haproxy.cfg", "--base=" + dual.base()).redirectError(ProcessBuilder.Redirect.INHERIT);
        cli.environment().put("CARBIDE_PASSWORD", PASSWORD);
        cli.environment().put("CARBIDE_LOGIN_FILE", temp.resolve("no-login.json").toString());
        Process printed = cli.start();
        String fromCli = new String(printed.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, printed.waitFor());
        assertTrue(fromCli.contains("backend carbide_managers") && fromCli.contains("server dual "), fromCli);

        rollingRestartUnderSteadyLoad(servicePort, workers, everyone);
        aFailingReloadLeavesTheRunningLoadBalancerAlone(servicePort, workers.get(0), everyone);
    }

    /** stop.sh then start.sh on every worker in turn, each back in rotation before the next, under 200 requests/s. */
    private void rollingRestartUnderSteadyLoad(int servicePort, List<NodeProcess> workers, Set<String> everyone)
            throws Exception {
        long began = System.nanoTime();
        SteadyLoad load = new SteadyLoad(servicePort, "/hello-site/", LOAD);
        try (load) {
            Thread.sleep(1_000);
            for (NodeProcess worker : workers) {
                assertEquals(0, worker.stop().exitCode(), worker.name() + " stops");
                assertEquals(0, worker.start().exitCode(), worker.name() + " starts again");
                awaitServedBy(servicePort, "/hello-site/", Set.of(worker.name()));
            }
            Thread.sleep(1_000);
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        String figures = String.format("rolling restart of %d workers behind HAProxy: %d requests in %.0f s at %d/s, "
                + "%d failed; served by %s", workers.size(), load.sent(), seconds, LOAD, load.failed(), load.servedBy());
        System.out.println(figures);
        Files.writeString(Path.of("target/rolling-restart.txt"), figures + "\n", StandardCharsets.UTF_8);
        assertEquals(0, load.failed(), figures + "; first failures: " + load.failures());
        assertTrue(load.servedBy().keySet().containsAll(everyone), figures);
    }

    /**
     * The reload command fails while a worker dies: one log line, the running HAProxy keeps serving
     * from the others (its own checks took the dead one out), and once the command works again the
     * next attempt reloads without anyone touching anything.
     */
    private void aFailingReloadLeavesTheRunningLoadBalancerAlone(int servicePort, NodeProcess victim,
            Set<String> everyone) throws Exception {
        List<Long> running = Balancer.pids(balancerPids);
        Path outage = temp.resolve("haproxy-outage");
        Files.writeString(outage, "");
        victim.kill();
        String failure = "The load balancer's reload command (carbide.lb.reloadCommand) failed, exit code 1: "
                + "haproxy: cannot reach the load balancer's host";
        long deadline = System.nanoTime() + Balancer.CONVERGE.toNanos();
        while (System.nanoTime() < deadline && !dual.logContains(failure)) {
            Thread.sleep(200);
        }
        assertTrue(dual.logContains(failure), dual.logTail());
        assertEquals(running, Balancer.pids(balancerPids), "the running load balancer was left as it was");
        Set<String> survivors = new HashSet<>(everyone);
        survivors.remove(victim.name());
        for (int i = 0; i < 20; i++) {
            Balancer.Answer served = get(servicePort, SERVICE, "/hello-site/");
            assertEquals(200, served.status(), "request " + i + " while the reload command fails");
            assertTrue(survivors.contains(served.node()), served.node());
        }
        Files.delete(outage);
        deadline = System.nanoTime() + Balancer.CONVERGE.toNanos();
        while (System.nanoTime() < deadline && running.equals(Balancer.pids(balancerPids))) {
            Thread.sleep(200);
        }
        assertNotEquals(running, Balancer.pids(balancerPids), "reloaded once the command worked again");
        assertEquals(survivors, awaitServedBy(servicePort, "/hello-site/", survivors));
    }
}
