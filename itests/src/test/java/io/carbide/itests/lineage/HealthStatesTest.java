package io.carbide.itests.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.AvailabilityProbe;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code /health} states a load balancer relies on, with real processes: a worker the cluster
 * refuses (wrong secret, a name already taken) or that finds no manager is never ready, and says
 * why; a worker applying a large new revision stays ready all along; a manager whose revision log
 * is damaged in the middle does not start at all.
 */
class HealthStatesTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private NodeProcess node(String folder, String profile, String... options) {
        NodeProcess node = new NodeProcess(temp.resolve(folder), profile, options);
        started.add(node);
        return node;
    }

    @Test
    void refusedOrLostWorkersAreNeverReadyWhileGoodOnesStayReadyThroughALargeDeploy() throws Exception {
        NodeProcess manager = node("mgr", "manager", "-Dnode=mgr");
        String wellKnown = "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]";
        NodeProcess w1 = node("w-1", "worker", "-Dnode=w-1", wellKnown);
        NodeProcess w2 = node("w-2", "worker", "-Dnode=w-2", wellKnown);
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        for (NodeProcess worker : List.of(w1, w2)) {
            assertEquals(0, worker.start().exitCode());
            worker.awaitReady();
        }
        Artifacts.drop(Artifacts.helloSite(), manager.deployDir(), "hello-site.zip");
        w1.awaitHttp("/hello-site/", 200, null, CONVERGE);
        w2.awaitHttp("/hello-site/", 200, null, CONVERGE);

        int unusedPort = new NodeProcess(temp.resolve("unused"), "worker").clusterPort();
        NodeProcess wrongSecret = node("wrong-secret", "worker", "-Dnode=intruder", wellKnown)
                .withEnvironment("CARBIDE_CLUSTER_SECRET", "a-long-secret-of-another-cluster-entirely");
        NodeProcess lost = node("lost", "worker", "-Dnode=lost", "-Dcarbide.health.startGraceSeconds=2",
                "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + unusedPort + "]");
        NodeProcess duplicate = node("duplicate", "worker", "-Dnode=w-1", wellKnown);
        List<NodeProcess> unwelcome = List.of(wrongSecret, lost, duplicate);
        for (NodeProcess node : unwelcome) {
            assertEquals(0, node.start().exitCode(), node.logTail());
        }

        // 64 MB of random bytes to both good workers while everyone's /health is watched
        byte[] big = new byte[64 * 1024 * 1024];
        new Random(11).nextBytes(big);
        Path zip = Artifacts.zip(temp.resolve("big.zip"), Map.of("data.bin", big, "index.html",
                "<p>big</p>".getBytes(StandardCharsets.UTF_8)), true);
        try (AvailabilityProbe good = new AvailabilityProbe().watch(w1, "/health").watch(w2, "/health")
                .watch(w1, "/hello-site/").watch(w2, "/hello-site/").start();
             AvailabilityProbe bad = new AvailabilityProbe().watch(wrongSecret, "/health").watch(lost, "/health")
                .watch(duplicate, "/health").start()) {
            Artifacts.drop(zip, manager.deployDir(), "big.zip");
            w1.awaitHttp("/big/", 200, "big", CONVERGE);
            w2.awaitHttp("/big/", 200, "big", CONVERGE);
            // the transfer takes under a second on the content port: watch on a while after it, the refused too
            good.runFor(Duration.ofSeconds(3));
            assertEquals(List.of(), good.failures(), "the good workers left the ready state during the transfer, of "
                    + good.requests() + " requests");
            assertEquals(List.of(), bad.successes(), "an unwelcome node answered 200, of " + bad.requests());
            assertTrue(bad.failures().size() > 100, "the unwelcome nodes were watched: " + bad.failures().size());
        }
        assertTrue(health(wrongSecret).get("reason").getAsString().contains("wrong secret"),
                health(wrongSecret).toString());
        assertEquals("refused", health(wrongSecret).get("state").getAsString());
        JsonObject lostHealth = awaitState(lost, "refused");
        assertTrue(lostHealth.get("reason").getAsString().contains("no manager is reachable through well-known members "
                + "127.0.0.1[" + unusedPort + "]"), lostHealth.toString());
        JsonObject duplicateHealth = awaitState(duplicate, "refused");
        assertTrue(duplicateHealth.get("reason").getAsString().contains("the name w-1 is taken by the member at "
                + "127.0.0.1:" + w1.clusterPort()), duplicateHealth.toString());
        assertTrue(manager.logContains("Refused w-1 into the cluster domain: the name w-1 is taken"), manager.logTail());

        // once the name is free again, the refused node joins by itself (it keeps trying) and catches up
        w1.kill();
        duplicate.awaitStatus(s -> "joined".equals(s.getAsJsonObject("cluster").get("state").getAsString()), CONVERGE,
                "the second w-1 joined once the first had left");
        duplicate.awaitHttp("/big/", 200, "big", CONVERGE);
        awaitState(duplicate, "ready");
    }

    @Test
    void aManagerCarriesItsRevisionLogIntoANewConsensusAndNeverStartsOnADamagedOne() throws Exception {
        NodeProcess manager = node("mgr", "manager", "-Dnode=mgr");
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        Artifacts.dropText("a = 1\n", manager.deployDir(), "one.cfg");
        Artifacts.dropText("b = 2\n", manager.deployDir(), "two.cfg");
        Artifacts.dropText("c = 3\n", manager.deployDir(), "three.cfg");
        manager.awaitStatus(s -> s.getAsJsonObject("repository").get("revision").getAsLong() == 3, CONVERGE,
                "three revisions");
        String id = manager.statusJson().getAsJsonObject("repository").get("id").getAsString();
        assertEquals(0, manager.stop().exitCode());
        Path log = manager.base().resolve("data/repository/revisions.log");
        Path consensus = manager.base().resolve("data/managers");
        List<String> lines = Files.readAllLines(log);
        assertEquals(3, lines.size(), "one line per change, written from what the managers committed");

        // a log cut short in its last line (a crash while writing) is repaired, and filled in from the managers' log
        Files.writeString(log, String.join("\n", lines.subList(0, 2)) + "\n3\tput\tconfig", StandardCharsets.UTF_8);
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        assertTrue(manager.logContains("ends in a change cut short at line 3"), manager.logTail());
        awaitFile(log, lines);
        assertEquals(0, manager.stop().exitCode());

        // a damaged line in the middle, with the managers' log there: set aside and written again from it
        List<String> damaged = new java.util.ArrayList<>(lines);
        damaged.set(1, "2\tput\tgarbage that is not a change");
        Files.writeString(log, String.join("\n", damaged) + "\n", StandardCharsets.UTF_8);
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        awaitFile(log, lines);
        assertTrue(manager.logContains("line 2 is damaged") && manager.logContains("set aside"), manager.logTail());
        assertEquals(0, manager.stop().exitCode());

        // an upgrade from a version without the managers' consensus: the repository is carried over, same id and history
        deleteTree(consensus);
        assertEquals(0, manager.start().exitCode());
        manager.awaitStatus(s -> s.getAsJsonObject("repository").get("revision").getAsLong() == 3, CONVERGE,
                "the repository carried over");
        assertEquals(id, manager.statusJson().getAsJsonObject("repository").get("id").getAsString(),
                "same lineage: the workers keep following it");
        assertEquals(0, manager.stop().exitCode());

        // carrying over a damaged log stops the start, naming the file and line; nothing is dropped
        deleteTree(consensus);
        Files.writeString(log, String.join("\n", damaged) + "\n", StandardCharsets.UTF_8);
        assertEquals(0, manager.start().exitCode());
        assertTrue(manager.awaitExit(Duration.ofSeconds(30)), "the manager stopped by itself");
        assertTrue(manager.console().contains("carbide: repository log " + log + " line 2 is damaged"),
                manager.console());
        assertEquals(1, manager.status(false).exitCode(), "not running");
        assertEquals(String.join("\n", damaged) + "\n", Files.readString(log), "the log is left as it was, for the operator");
        assertFalse(manager.console().contains("Exception"), "one line, no stack trace:\n" + manager.console());
    }

    private static void awaitFile(Path file, List<String> lines) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readAllLines(file).equals(lines)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(file + " holds " + Files.readAllLines(file) + ", not " + lines);
    }

    private static void deleteTree(Path tree) throws Exception {
        if (!Files.exists(tree)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(tree)) {
            for (Path path : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }

    private static JsonObject health(NodeProcess node) throws Exception {
        HttpResponse<String> response = node.get(node.clientPort(), "/health");
        JsonObject health = JsonParser.parseString(response.body()).getAsJsonObject();
        assertEquals(health.get("state").getAsString().equals("ready") ? 200 : 503, response.statusCode(),
                health.toString());
        return health;
    }

    private static JsonObject awaitState(NodeProcess node, String state) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            last = health(node);
            if (state.equals(last.get("state").getAsString())) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(node.base() + " never reached " + state + ": " + last);
    }
}
