package io.carbide.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.ScriptResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The assembled distribution as a user runs it: start.sh --background and --wait, status.sh, /health,
 * stop.sh, for each profile, and the errors a user meets on a wrong option.
 */
class DistributionScriptsTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"worker", "manager", "default"})
    void eachProfileStartsReportsAndStops(String profile) throws Exception {
        boolean worker = profile.equals("worker");
        // a lone worker has nothing to serve and no manager: after its start grace it says so, never ready
        try (NodeProcess node = new NodeProcess(temp.resolve(profile), profile, "-Dcarbide.health.startGraceSeconds=1")) {
            // --wait returns once the node is ready, so the next line of a script may call it; a node that
            // is not ready in time is left running, with its state and reason said
            ScriptResult started = node.start(worker ? "--wait=15" : "--wait=60");
            assertEquals(worker ? 1 : 0, started.exitCode(), started.output());
            if (worker) {
                assertTrue(started.stderr().contains("is refused after 15 s (nothing to serve: no manager is reachable"),
                        started.output());
                assertTrue(started.stdout().contains("  refused: nothing to serve:"), "the state on the way: " + started.output());
                assertEquals(0, node.status(false).exitCode(), "and the node goes on running");
            } else {
                assertTrue(started.stdout().contains("Carbide node ready: " + profile + "-" + node.portOffset()
                        + " (" + profile + "), pid "), started.output());
                HttpResponse<String> health = node.get(node.clientPort(), "/health");
                assertEquals(200, health.statusCode(), "ready as start.sh returns: " + health.body());
            }

            String settled = worker ? "refused" : "ready";
            JsonObject status = node.awaitStatus(s -> settled.equals(s.get("state").getAsString()), Duration.ofSeconds(60),
                    settled);
            assertEquals(profile + "-" + node.portOffset(), status.get("node").getAsString());
            assertEquals(profile, status.get("profile").getAsString());
            assertEquals(worker, status.get("readOnly").getAsBoolean(), "only the worker is read-only");
            assertTrue(status.get("pid").getAsLong() > 0);
            assertEquals(node.clientPort(), status.getAsJsonObject("ports").get("client").getAsInt());
            for (JsonElement bundle : status.getAsJsonArray("bundles")) {
                assertEquals("ACTIVE", bundle.getAsJsonObject().get("state").getAsString(), bundle.toString());
            }
            assertEquals(!worker, NodeProcess.hasBundle(status, "io.carbide.management"),
                    "the management bundle is on manager and default nodes only");
            assertEquals(!worker, status.getAsJsonObject("ports").has("management"));

            HttpResponse<String> health = node.get(node.clientPort(), "/health");
            assertEquals(worker ? 503 : 200, health.statusCode(), health.body());
            JsonObject body = JsonParser.parseString(health.body()).getAsJsonObject();
            assertEquals(status.get("node"), body.get("node"));
            assertEquals(worker, body.get("readOnly").getAsBoolean());
            assertEquals(!worker, body.get("ready").getAsBoolean());
            assertEquals(settled, body.get("state").getAsString());
            if (worker) {
                assertTrue(body.get("reason").getAsString().startsWith("nothing to serve: no manager is reachable through "
                        + "well-known members 127.0.0.1[" + node.clusterPort() + "]"), body.toString());
            }

            ScriptResult human = node.status(false);
            assertEquals(0, human.exitCode());
            assertTrue(human.stdout().startsWith("Running: node " + profile), human.stdout());
            assertTrue(human.stdout().contains(worker ? ", refused (status.sh --json: reason)," : ", ready,"), human.stdout());

            ScriptResult stopped = node.stop();
            assertEquals(0, stopped.exitCode(), stopped.output());
            ScriptResult after = node.status(true);
            assertEquals(1, after.exitCode(), "status.sh exits 1 once the node is stopped");
            assertFalse(JsonParser.parseString(after.stdout()).getAsJsonObject().get("running").getAsBoolean());
        }
    }

    /** The admin password line a manager's first start prints on its console, if it printed one. */
    private static String printedPassword(NodeProcess node) throws IOException {
        Matcher line = Pattern.compile("user 'admin' created; its password is: (\\S+)")
                .matcher(Files.readString(node.base().resolve("logs/console.out")));
        return line.find() ? line.group(1) : null;
    }

    @Test
    void managementPortIsOpenOnManagersOverHttpsAndClosedOnWorkers() throws Exception {
        try (NodeProcess manager = new NodeProcess(temp.resolve("m"), "manager");
             NodeProcess worker = new NodeProcess(temp.resolve("w"), "worker",
                     "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + (4000 + manager.portOffset()) + "]")) {
            assertEquals(0, manager.start().exitCode());
            assertEquals(0, worker.start().exitCode());
            manager.awaitReady();
            worker.awaitReady();

            assertNotEquals(manager.statusJson().get("pid"), worker.statusJson().get("pid"),
                    "two nodes run at once from one unpacked distribution");
            String password = printedPassword(manager);
            assertNotNull(password, "the first start prints the generated admin password");
            assertFalse(manager.logContains(password), "and never logs it");
            ManagementClient api = new ManagementClient(manager, "admin", password);
            ManagementClient.Response node = api.get("/api/node");
            assertEquals(200, node.status());
            assertTrue(node.body().contains("\"io.carbide.management\""), node.body());
            assertEquals(404, manager.get(manager.clientPort(), "/api/node").statusCode(),
                    "management API stays off the client port");
            assertThrowsConnect(() -> worker.get(worker.managementPort(), "/api/node"));
            assertEquals(200, worker.get(worker.clientPort(), "/health").statusCode());

            assertEquals(0, manager.stop().exitCode());
            assertEquals(0, manager.start().exitCode());
            manager.awaitReady();
            assertNull(printedPassword(manager), "the password is printed only once");
            assertEquals(200, api.get("/api/node").status(), "and stays valid across restarts");
            Path kept = manager.base().resolve("conf/admin.password");
            assertEquals(password, Files.readString(kept).strip(), "still retrievable after the second start");
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(kept));
            assertEquals(PosixFilePermissions.fromString("rw-r--r--"),
                    Files.getPosixFilePermissions(manager.base().resolve("conf/security/management.crt")),
                    "the certificate is public: clients need it to trust the port");
            assertEquals(200, api.putJson("/api/users/admin", "{\"password\": \"chosen-by-the-operator\"}").status());
            assertFalse(Files.exists(kept), "no password stays on disk once admin chose one");
            assertEquals(200, new ManagementClient(manager, "admin", "chosen-by-the-operator").get("/api/node").status());

            // the documented reset, for an operator who lost the password
            assertEquals(0, manager.stop().exitCode());
            try (NodeProcess reset = NodeProcess.withOffset(manager.base(), "manager", manager.portOffset(),
                    "-Dcarbide.resetAdminPassword=true").withEnvironment("CARBIDE_ADMIN_PASSWORD", "reset-by-the-operator")) {
                assertEquals(0, reset.start().exitCode());
                reset.awaitReady();
                assertEquals(200, new ManagementClient(reset, "admin", "reset-by-the-operator").get("/api/node").status());
                assertEquals(401, new ManagementClient(reset, "admin", "chosen-by-the-operator").get("/api/node").status());
                assertFalse(Files.exists(kept), "a password from the environment is never written down");
                assertEquals(0, reset.stop().exitCode());
            }
            // a users file emptied behind the manager's back does not lock everyone out
            Files.writeString(manager.base().resolve("conf/users.properties"), "");
            assertEquals(0, manager.start().exitCode());
            manager.awaitReady();
            assertEquals(200, new ManagementClient(manager, "admin", Files.readString(kept).strip()).get("/api/node")
                    .status(), "admin created again, its password where the first one was");
            assertEquals(PosixFilePermissions.fromString("rwx------"),
                    Files.getPosixFilePermissions(manager.base().resolve("data")), "the manager's data/ is its own");
            assertEquals(PosixFilePermissions.fromString("rwx------"),
                    Files.getPosixFilePermissions(worker.base().resolve("data")), "so is the worker's");
            assertEquals(0, manager.stop().exitCode());

            // a users file that cannot be read: the port stays closed, never open without authentication
            byte[] users = Files.readAllBytes(manager.base().resolve("conf/users.properties"));
            Files.write(manager.base().resolve("conf/users.properties"), new byte[] {'a', ' ', '=', ' ', (byte) 0xff, '\n'});
            assertEquals(0, manager.start().exitCode());
            manager.awaitStatus(s -> s.get("reason").getAsString().contains("stays closed"), Duration.ofSeconds(60),
                    "the manager saying why its management port is closed");
            assertThrowsConnect(() -> manager.get(manager.managementPort(), "/api/node"));
            assertEquals(503, manager.get(manager.clientPort(), "/health").statusCode(), "and not ready");
            assertTrue(manager.logContains("is not UTF-8 text"), manager.logTail());
            assertEquals(0, manager.stop().exitCode());
            Files.write(manager.base().resolve("conf/users.properties"), users);
            assertEquals(0, manager.start().exitCode());
            manager.awaitReady();
            assertEquals(0, manager.stop().exitCode());

            // behind a TLS-terminating proxy: plain HTTP, and still nothing without a log-in
            assertEquals(0, manager.start("-Dcarbide.management.secure=false").exitCode());
            JsonObject plain = manager.awaitReady();
            assertEquals(401, manager.get(manager.managementPort(), "/api/node").statusCode(),
                    "plain HTTP, authentication all the same");
            HttpResponse<String> loggedIn = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                    + manager.host() + ":" + manager.managementPort() + "/api/node")).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(("admin:" + Files.readString(kept).strip())
                            .getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, loggedIn.statusCode(), loggedIn.body());
            assertTrue(plain.getAsJsonObject("certificate").get("state").getAsString().startsWith("off: the management "
                    + "port is plain HTTP"), plain.toString());

            assertEquals(0, manager.stop().exitCode());
            assertEquals(0, worker.stop().exitCode());
        }
    }

    @Test
    void secondNodeOnTheSameBaseIsRefused() throws Exception {
        try (NodeProcess first = new NodeProcess(temp.resolve("shared"), "worker");
             NodeProcess second = new NodeProcess(temp.resolve("shared"), "worker")) {
            assertEquals(0, first.start().exitCode());
            ScriptResult refused = second.start();
            assertEquals(2, refused.exitCode());
            assertTrue(refused.stderr().contains("already runs from"), refused.output());
            first.stop();
        }
    }

    @Test
    void unknownProfileFailsWithOneLine() {
        try (NodeProcess node = new NodeProcess(temp.resolve("nope"), "nope")) {
            ScriptResult result = node.start();
            assertEquals(2, result.exitCode());
            List<String> lines = result.stderr().strip().lines().toList();
            assertEquals(1, lines.size(), result.stderr());
            assertTrue(lines.get(0).contains("Unknown profile 'nope'"), lines.get(0));
            assertTrue(lines.get(0).contains("default, manager, worker"), lines.get(0));
            assertFalse(Files.exists(temp.resolve("nope")), "a refused start leaves no folder behind");
        }
    }

    @Test
    void aTakenPortFailsWithOneLineAndLeavesNoFolder() throws Exception {
        try (NodeProcess node = new NodeProcess(temp.resolve("taken"), "worker");
             ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), node.clientPort()));
            ScriptResult result = node.start();
            assertEquals(2, result.exitCode(), result.output());
            List<String> lines = result.stderr().strip().lines().toList();
            assertEquals(1, lines.size(), result.stderr());
            assertTrue(lines.get(0).contains("Port " + node.clientPort() + " (client HTTP"), lines.get(0));
            assertTrue(lines.get(0).contains("give this node another -DportOffset=N"), lines.get(0));
            assertFalse(Files.exists(temp.resolve("taken")), "a refused start leaves no folder behind, not even a log");
        }
    }

    /** A node that no longer answers its SIGTERM (here: stopped with SIGSTOP) is killed by stop.sh after the timeout. */
    @Test
    void aNodeThatDoesNotStopIsKilledAfterTheTimeout() throws Exception {
        try (NodeProcess node = new NodeProcess(temp.resolve("hung"), "worker").withEnvironment("CARBIDE_STOP_TIMEOUT",
                "2")) {
            assertEquals(0, node.start().exitCode());
            node.awaitStatus(s -> s.has("state"), Duration.ofSeconds(60), "running");
            node.signal("STOP");
            ScriptResult stopped = node.stop();
            assertEquals(0, stopped.exitCode(), stopped.output());
            assertTrue(stopped.stderr().contains("did not stop within 2 s; killing it"), stopped.output());
            ProcessHandle.of(node.pid()).ifPresent(process -> process.onExit().orTimeout(10, TimeUnit.SECONDS).join());
            assertFalse(ProcessHandle.of(node.pid()).map(ProcessHandle::isAlive).orElse(false), "the node is gone");
            assertEquals(1, node.status(true).exitCode(), "status.sh says it is stopped");
        }
    }

    /**
     * A stopping node that serves clients first drains: /health answers 503 "draining" so a load
     * balancer takes it out, while requests are still served; then it stops, and stop.sh waits for it.
     */
    @Test
    void aStoppingNodeDrainsWhileItStillServes() throws Exception {
        try (NodeProcess node = new NodeProcess(temp.resolve("drain"), "default", "-Dnode=drainer",
                "-Dcarbide.drain.seconds=4", "-Dcarbide.client.nodeHeader=true")) {
            assertEquals(0, node.start().exitCode());
            node.awaitReady();
            io.carbide.itests.support.Artifacts.drop(io.carbide.itests.support.Artifacts.helloSite(), node.deployDir(),
                    "hello-site.zip");
            node.awaitHttp("/hello-site/", 200, null, Duration.ofSeconds(60));
            assertEquals("drainer", node.get(node.clientPort(), "/hello-site/").headers().firstValue("X-Carbide-Node")
                    .orElse(""), "the answer names the node, as configured");
            java.util.concurrent.CompletableFuture<ScriptResult> stopping =
                    java.util.concurrent.CompletableFuture.supplyAsync(node::stop);
            boolean sawDraining = false;
            boolean servedWhileDraining = false;
            while (!stopping.isDone()) {
                try {
                    HttpResponse<String> health = node.get(node.clientPort(), "/health");
                    if (health.statusCode() == 503 && health.body().contains("\"draining\"")) {
                        sawDraining = true;
                        servedWhileDraining |= node.get(node.clientPort(), "/hello-site/").statusCode() == 200;
                    }
                } catch (IOException stopped) {
                    // the port has closed: the drain is over
                }
                Thread.sleep(100);
            }
            ScriptResult stopped = stopping.get();
            assertEquals(0, stopped.exitCode(), stopped.output());
            assertTrue(stopped.stdout().contains("Draining Carbide node") && stopped.stdout().contains("for 4 s"),
                    stopped.stdout());
            assertTrue(sawDraining, "/health said draining (503) while the node stopped");
            assertTrue(servedWhileDraining, "and the site was still served meanwhile");
            assertTrue(node.logContains("draining for 4 s"), node.logTail());
        }
    }

    @Test
    void eachScriptHelpsWithItsOwnOptions() {
        try (NodeProcess node = new NodeProcess(temp.resolve("help"), "worker")) {
            ScriptResult stop = node.script("stop.sh", List.of("--help"));
            assertEquals(0, stop.exitCode());
            assertTrue(stop.stdout().startsWith("Usage: bin/stop.sh"), stop.stdout());
            assertFalse(stop.stdout().contains("-Dprofile") || stop.stdout().contains("--background"), stop.stdout());
            ScriptResult status = node.script("status.sh", List.of("--help"));
            assertTrue(status.stdout().contains("--all") && status.stdout().contains("--json"), status.stdout());
            ScriptResult start = node.script("start.sh", List.of("--help"));
            assertTrue(start.stdout().contains("-Dprofile") && start.stdout().contains("resetAdminPassword"),
                    start.stdout());
            assertFalse(Files.exists(temp.resolve("help")), "asking for help creates nothing");
        }
    }

    /** status.sh --all finds every node started from the installation, wherever its base is. */
    @Test
    void statusAllListsNodesInDifferentFolders() throws Exception {
        try (NodeProcess manager = new NodeProcess(temp.resolve("east/mgr"), "manager", "-Dnode=all-mgr");
             NodeProcess first = new NodeProcess(temp.resolve("west/racks/w-1"), "worker", "-Dnode=all-w1",
                     "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + (4000 + manager.portOffset()) + "]");
             NodeProcess second = new NodeProcess(temp.resolve("w-2"), "worker", "-Dnode=all-w2",
                     "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + (4000 + manager.portOffset()) + "]")) {
            for (NodeProcess node : List.of(manager, first, second)) {
                assertEquals(0, node.start().exitCode());
            }
            for (NodeProcess node : List.of(manager, first, second)) {
                node.awaitReady();
            }
            ScriptResult all = manager.script("status.sh", List.of("--all"));
            assertEquals(0, all.exitCode(), all.output());
            assertTrue(all.stdout().startsWith("NODE"), all.stdout());
            for (NodeProcess node : List.of(manager, first, second)) {
                String name = node == manager ? "all-mgr" : node == first ? "all-w1" : "all-w2";
                String line = all.stdout().lines().filter(l -> l.startsWith(name + " ")).findFirst()
                        .orElseThrow(() -> new AssertionError(name + " missing:\n" + all.stdout()));
                assertTrue(line.contains(" ready ") && line.contains(" " + node.pid() + " ")
                        && line.contains(" " + node.clientPort() + " ") && line.endsWith(node.base().toString()), line);
            }
            assertEquals(0, second.stop().exitCode());
            ScriptResult after = manager.script("status.sh", List.of("--all"));
            assertTrue(after.stdout().lines().anyMatch(l -> l.startsWith("all-w2 ") && l.contains(" stopped ")),
                    after.stdout());
            assertTrue(after.stdout().lines().anyMatch(l -> l.startsWith("all-w1 ") && l.contains(" ready ")),
                    after.stdout());

            // started again under another name and frozen before it writes its status: listed as starting, by the
            // name it was started with (it was "-", or the last run's name and ports, before)
            assertEquals(0, second.start("-Dnode=all-w2-renamed").exitCode());
            second.signal("STOP");
            try {
                ScriptResult starting = manager.script("status.sh", List.of("--all"));
                assertTrue(starting.stdout().lines().anyMatch(l -> l.startsWith("all-w2-renamed ")
                        && l.contains(" worker ") && l.contains(" starting ") && l.contains(" " + second.pid() + " ")
                        && !l.contains(" " + second.clientPort() + " ")), starting.stdout());
            } finally {
                second.signal("CONT");
            }

            // a pid file left behind (a node killed with -9) that names a pid another node has now: that node is
            // not this base's, and stop.sh leaves it running (it stopped the manager here before)
            assertEquals(0, second.stop().exitCode());
            Files.writeString(second.base().resolve("data/carbide.pid"), manager.pid() + "\n");
            ScriptResult stale = second.status(false);
            assertEquals(1, stale.exitCode(), stale.output());
            second.stop();
            assertEquals(0, manager.status(false).exitCode(), "the manager still runs");
            assertEquals(200, manager.get(manager.clientPort(), "/health").statusCode());
        }
    }

    @Test
    void badPortOffsetFailsWithOneLine() {
        try (NodeProcess node = new NodeProcess(temp.resolve("bad"), "worker", "-DportOffset=minus-one")) {
            ScriptResult result = node.start();
            assertEquals(2, result.exitCode());
            assertEquals(1, result.stderr().strip().lines().count(), result.stderr());
            assertTrue(result.stderr().contains("Port offset 'minus-one' is not valid"), result.stderr());
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void assertThrowsConnect(Call call) {
        try {
            call.run();
        } catch (java.net.ConnectException expected) {
            return;
        } catch (Exception other) {
            if (other.getCause() instanceof java.net.ConnectException) {
                return;
            }
            throw new AssertionError("expected the connection to be refused, got " + other, other);
        }
        throw new AssertionError("expected the connection to be refused, but the port answered");
    }
}
