package io.carbide.itests.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staged rollouts on a manager and four workers, watched from the workers themselves (each one's
 * {@code data/status.json}, several times a second): a good bundle reaches the canary, then each
 * wave in order, and every worker stays ready throughout; a bundle whose activator throws halts
 * at the canary, which is rolled back, and the other three workers never install it; a rollout can
 * be paused (it then stays at its wave, and other changes wait), resumed and aborted (which rolls
 * the canary back); a release that answers its clients with 500 halts on the canary's error rate.
 */
class StagedRolloutTest {

    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final String PASSWORD = "rollout-test-password";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void changesReachTheWorkersWaveByWaveAndABrokenOneStopsAtTheCanary() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr",
                "-Dcarbide.rollout.waveTimeoutSeconds=60",
                // the cluster's default policy: what is dropped into deploy/ (or uploaded without one) rolls out so
                "-Dcarbide.rollout.canary=1", "-Dcarbide.rollout.waves=100%", "-Dcarbide.rollout.settleSeconds=2")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        List<NodeProcess> workers = new ArrayList<>();
        for (String name : List.of("w1", "w2", "w3", "w4")) {
            workers.add(started.add(new NodeProcess(temp.resolve(name), "worker", "-Dnode=" + name,
                    manager.asWellKnownMember())));
        }
        for (NodeProcess worker : workers) {
            assertEquals(0, worker.start().exitCode(), worker.logTail());
        }
        for (NodeProcess worker : workers) {
            worker.awaitReady();
        }
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);
        try (Watcher watcher = new Watcher(workers)) {
            // a good bundle: canary w1, then w2 (50% of 4), then w3 and w4
            ManagementClient.Response good = api.putFile("/api/artifacts/good.jar?canary=1&waves=50%25,100%25&settle=2",
                    Artifacts.bundle(temp.resolve("good.jar"), Map.of("Bundle-SymbolicName", "rollout.good",
                            "Bundle-Version", "1.0.0")));
            assertEquals(202, good.status(), good.body());
            assertEquals("[[\"w1\"],[\"w2\"],[\"w3\",\"w4\"]]", good.json().getAsJsonObject("rollout").get("waves").toString());
            JsonObject done = api.await("/api/rollout", r -> state(r).equals("completed"), CONVERGE, "the good rollout to complete");
            for (NodeProcess worker : workers) {
                watcher.await(worker, "rollout.good", CONVERGE);
            }
            long w1 = watcher.firstSeen("w1", "rollout.good");
            long w2 = watcher.firstSeen("w2", "rollout.good");
            long w3 = watcher.firstSeen("w3", "rollout.good");
            long w4 = watcher.firstSeen("w4", "rollout.good");
            assertTrue(w1 < w2 && w2 < Math.min(w3, w4), "in wave order: w1 " + w1 + ", w2 " + w2 + ", w3 " + w3
                    + ", w4 " + w4 + " ms");
            assertTrue(w2 - w1 >= 2_000 && Math.min(w3, w4) - w2 >= 2_000, "each wave settled 2 s before the next: "
                    + (w2 - w1) + " and " + (Math.min(w3, w4) - w2) + " ms");
            assertEquals(List.of(), watcher.notReady(), "a worker outside the current wave stays ready");
            assertEquals("applied", nodeState(done, "w4"), done.toString());
            System.out.printf("good rollout: w1 at %d ms, w2 at %d ms, w3/w4 at %d/%d ms after the upload%n",
                    w1 - watcher.since, w2 - watcher.since, w3 - watcher.since, w4 - watcher.since);

            // a bundle that cannot start: halts at the canary, which is rolled back; nobody else ever has it
            ManagementClient.Response bad = api.putFile("/api/artifacts/broken.jar?canary=1&waves=100%25&settle=2",
                    Artifacts.failingBundle(temp.resolve("broken.jar"), "rollout.broken"));
            assertEquals(202, bad.status(), bad.body());
            JsonObject halted = api.await("/api/rollout", r -> state(r).equals("halted"), CONVERGE, "the broken rollout to halt");
            String reason = halted.getAsJsonObject("rollout").get("reason").getAsString();
            assertTrue(reason.contains("broken.jar failed on w1"), reason);
            watcher.awaitGone(workers.get(0), "rollout.broken", CONVERGE);
            api.await("/api/artifacts", a -> !a.toString().contains("broken.jar"), CONVERGE, "broken.jar rolled back");
            for (NodeProcess worker : workers.subList(1, 4)) {
                assertEquals(-1, watcher.firstSeen(worker.name(), "rollout.broken"), worker.name() + " installed it");
            }
            assertTrue(watcher.firstSeen("w1", "rollout.broken") > 0, "the canary did install it (the watcher can see it)");

            // pause, resume, abort
            ManagementClient.Response third = api.putFile("/api/artifacts/third.jar?canary=1&waves=50%25,100%25&settle=3",
                    Artifacts.bundle(temp.resolve("third.jar"), Map.of("Bundle-SymbolicName", "rollout.third",
                            "Bundle-Version", "1.0.0")));
            assertEquals(202, third.status(), third.body());
            ManagementClient.Response paused = api.postJson("/api/rollout/pause", "{}");
            assertEquals(200, paused.status(), paused.body());
            assertEquals("paused", state(paused.json()));
            watcher.await(workers.get(0), "rollout.third", CONVERGE);
            Thread.sleep(5_000); // longer than the settle time: a paused rollout stays at its wave
            assertEquals("paused", state(api.get("/api/rollout").json()));
            assertEquals(409, api.putFile("/api/artifacts/other.jar", Artifacts.bundle(temp.resolve("other.jar"),
                    Map.of("Bundle-SymbolicName", "rollout.other", "Bundle-Version", "1.0.0"))).status(),
                    "only the rollout changes the repository");
            assertEquals(409, api.postJson("/api/rollback", "{\"revision\": 1}").status());
            assertEquals(409, api.postJson("/api/rollout/pause", "{}").status(), "already paused");
            assertEquals(-1, watcher.firstSeen("w2", "rollout.third"), "paused: the next wave never started");
            assertEquals(200, api.postJson("/api/rollout/resume", "{}").status());
            watcher.await(workers.get(1), "rollout.third", CONVERGE); // resumed: the next wave (50%: w1, w2) gets it
            ManagementClient.Response aborted = api.postJson("/api/rollout/abort", "{}");
            assertEquals(200, aborted.status(), aborted.body());
            assertEquals("aborted", state(aborted.json()));
            watcher.awaitGone(workers.get(0), "rollout.third", CONVERGE);
            watcher.awaitGone(workers.get(1), "rollout.third", CONVERGE);
            for (NodeProcess worker : workers.subList(2, 4)) {
                assertEquals(-1, watcher.firstSeen(worker.name(), "rollout.third"), worker.name() + " installed it");
            }
            assertEquals(409, api.postJson("/api/rollout/abort", "{}").status(), "nothing left to abort");

            // a release that starts but answers its clients with 500: the canary's error rate, from the load it
            // sends its managers, halts the rollout before anyone else gets it
            ManagementClient.Response erring = api.putFile("/api/artifacts/erring.jar?canary=1&waves=100%25&settle=30"
                    + "&maxErrorRate=0.1", Artifacts.failingServletBundle(temp.resolve("erring.jar"), "rollout.erring"));
            assertEquals(202, erring.status(), erring.body());
            NodeProcess canary = workers.get(0);
            canary.awaitHttp("/failing", 500, null, CONVERGE);
            for (int i = 0; i < 40; i++) {
                assertEquals(500, canary.get(canary.clientPort(), "/failing").statusCode());
            }
            JsonObject tooManyErrors = api.await("/api/rollout", r -> !state(r).equals("running"), CONVERGE,
                    "the erring rollout to halt");
            assertEquals("halted", state(tooManyErrors), tooManyErrors.toString());
            String why = tooManyErrors.getAsJsonObject("rollout").get("reason").getAsString();
            assertTrue(why.startsWith("w1 answered ") && why.contains("with a server error"), why);
            watcher.awaitGone(canary, "rollout.erring", CONVERGE);
            canary.awaitHttp("/failing", 404, null, CONVERGE);
            for (NodeProcess worker : workers.subList(1, 4)) {
                assertEquals(-1, watcher.firstSeen(worker.name(), "rollout.erring"), worker.name() + " installed it");
            }
            for (NodeProcess worker : workers) {
                assertTrue(worker.get(worker.clientPort(), "/health").statusCode() == 200, worker.name());
            }

            // a file dropped into deploy/ takes the cluster's default policy: the canary w1 first, then the rest;
            // (the 500s w1 served until the erring release went are counted against that release, not this one:
            // a rollout counts a node's errors from its load sample before the node was admitted)
            Thread.sleep(2 * 2_000 + 500);
            Artifacts.drop(Artifacts.bundle(temp.resolve("dropped.jar"), Map.of("Bundle-SymbolicName", "rollout.dropped",
                    "Bundle-Version", "1.0.0")), manager.deployDir(), "dropped.jar");
            JsonObject dropped = api.await("/api/rollout", r -> r.get("rollout").isJsonObject()
                    && r.getAsJsonObject("rollout").get("artifact").getAsString().equals("dropped.jar")
                    && state(r).equals("completed"), CONVERGE, "the dropped file's default rollout to complete");
            assertEquals(2, dropped.getAsJsonObject("rollout").get("waveCount").getAsInt(), dropped.toString());
            for (NodeProcess worker : workers) {
                watcher.await(worker, "rollout.dropped", CONVERGE);
            }
            long canaryAt = watcher.firstSeen("w1", "rollout.dropped");
            for (NodeProcess worker : workers.subList(1, 4)) {
                long at = watcher.firstSeen(worker.name(), "rollout.dropped");
                assertTrue(at - canaryAt >= 2_000, worker.name() + " got the dropped bundle " + (at - canaryAt)
                        + " ms after the canary, which settles 2 s first");
            }
            assertEquals(List.of(), watcher.notReady(), "no worker left ready at any time");
        }
    }

    private static String state(JsonObject body) {
        return body.get("rollout").isJsonNull() ? "" : body.getAsJsonObject("rollout").get("state").getAsString();
    }

    private static String nodeState(JsonObject body, String node) {
        for (JsonElement wave : body.getAsJsonObject("rollout").getAsJsonArray("waves")) {
            for (JsonElement row : wave.getAsJsonObject().getAsJsonArray("nodes")) {
                if (row.getAsJsonObject().get("node").getAsString().equals(node)) {
                    return row.getAsJsonObject().get("state").getAsString();
                }
            }
        }
        return "";
    }

    /**
     * Reads every worker's {@code data/status.json} (rewritten by the node once a second) and its
     * {@code /health} several times a second, remembering when each bundle was first seen on each
     * worker and any moment a worker was not ready.
     */
    private static final class Watcher implements AutoCloseable {
        final long since = System.currentTimeMillis();
        private final List<NodeProcess> workers;
        private final Map<String, Long> seen = new ConcurrentHashMap<>();
        private final Map<String, Boolean> present = new ConcurrentHashMap<>();
        private final Set<String> notReady = ConcurrentHashMap.newKeySet();
        private final Thread thread;
        private volatile boolean running = true;

        Watcher(List<NodeProcess> workers) {
            this.workers = workers;
            this.thread = new Thread(this::watch, "rollout-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void watch() {
            while (running) {
                for (NodeProcess worker : workers) {
                    try {
                        JsonObject status = JsonParser.parseString(Files.readString(
                                worker.base().resolve("data/status.json"))).getAsJsonObject();
                        Set<String> bundles = new java.util.HashSet<>();
                        for (JsonElement bundle : status.getAsJsonArray("bundles")) {
                            bundles.add(bundle.getAsJsonObject().get("symbolicName").getAsString());
                        }
                        for (String name : List.of("rollout.good", "rollout.broken", "rollout.third", "rollout.erring",
                                "rollout.dropped")) {
                            boolean has = bundles.contains(name);
                            present.put(worker.name() + "/" + name, has);
                            if (has) {
                                seen.putIfAbsent(worker.name() + "/" + name, System.currentTimeMillis());
                            }
                        }
                        int health = worker.get(worker.clientPort(), "/health").statusCode();
                        if (health != 200) {
                            notReady.add(worker.name() + " answered " + health + " at "
                                    + (System.currentTimeMillis() - since) + " ms");
                        }
                    } catch (Exception rewrittenOrSlow) {
                        // read again next round
                    }
                }
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long firstSeen(String worker, String bundle) {
            return seen.getOrDefault(worker + "/" + bundle, -1L);
        }

        void await(NodeProcess worker, String bundle, Duration timeout) throws InterruptedException {
            awaitPresence(worker, bundle, true, timeout);
        }

        void awaitGone(NodeProcess worker, String bundle, Duration timeout) throws InterruptedException {
            awaitPresence(worker, bundle, false, timeout);
        }

        private void awaitPresence(NodeProcess worker, String bundle, boolean wanted, Duration timeout)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (present.getOrDefault(worker.name() + "/" + bundle, false) == wanted
                        && (!wanted || firstSeen(worker.name(), bundle) > 0)) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError(worker.name() + (wanted ? " never had " : " still has ") + bundle + "\n"
                    + worker.logTail());
        }

        List<String> notReady() {
            return List.copyOf(notReady);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5_000);
        }
    }
}
