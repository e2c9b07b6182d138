package io.carbide.itests.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.AvailabilityProbe;
import io.carbide.itests.support.CarbideCli;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.PortOffsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet never drops what it runs because of what happens to its managers: a manager killed or
 * frozen, a second manager with a repository of its own, a manager restarted with an empty
 * deploy/ folder. Workers follow one lineage (their repository's id), keep serving through all
 * of it, and only an operator's explicit action moves them to another. Real processes; the test
 * kills and freezes only the processes it started.
 */
class FleetLineageTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Duration OUTAGE = Duration.ofSeconds(15);
    private static final String ADMIN_PASSWORD = "lineage-test-password";
    private static final List<String> PATHS = List.of("/hello", "/hello-site/", "/health");

    @TempDir
    Path temp;

    private final List<NodeProcess> started = new ArrayList<>();

    @AfterEach
    void killWhatWeStarted() {
        for (NodeProcess node : started) {
            try {
                node.signal("CONT"); // never leave a frozen process behind
            } catch (RuntimeException | AssertionError notRunning) {
                // already gone
            }
            node.close();
        }
    }

    private NodeProcess node(String name, String profile, String wellKnown) {
        NodeProcess node = new NodeProcess(temp.resolve(name), profile, "-Dnode=" + name,
                "-Dcarbide.cluster.wellKnownMembers=" + wellKnown)
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        started.add(node);
        return node;
    }

    private static void start(NodeProcess node) {
        assertEquals(0, node.start().exitCode(), node.logTail());
        node.awaitReady();
    }

    @Test
    void killingFreezingAndReplacingManagersNeverUndeploysAnythingOnTheWorkers() throws Exception {
        int[] managers = PortOffsets.free(2);
        String wellKnown = "127.0.0.1[" + (4000 + managers[0]) + "],127.0.0.1[" + (4000 + managers[1]) + "]";
        NodeProcess mgr1 = manager("mgr-1", managers[0], wellKnown);
        NodeProcess mgr2 = manager("mgr-2", managers[1], wellKnown);
        NodeProcess w1 = node("w-1", "worker", wellKnown);
        NodeProcess w2 = node("w-2", "worker", wellKnown);
        List<NodeProcess> workers = List.of(w1, w2);
        start(mgr1);
        start(w1);
        start(w2);
        Artifacts.drop(Artifacts.helloServlet(), mgr1.deployDir(), "hello-servlet.jar");
        Artifacts.drop(Artifacts.helloSite(), mgr1.deployDir(), "hello-site.zip");
        Artifacts.dropText("greeting = Hello from the first manager\n", mgr1.deployDir(), "hello.cfg");
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello", 200, "Hello from the first manager", CONVERGE);
            worker.awaitHttp("/hello-site/", 200, null, CONVERGE);
        }
        String lineage = repositoryId(mgr1);

        // a second manager with a repository of its own joins: it is not the authority, and says who is
        start(mgr2);
        mgr2.awaitStatus(s -> !replication(s).get("authority").getAsBoolean()
                && "mgr-1".equals(replication(s).get("authorityNode").getAsString()), CONVERGE, "mgr-2 names mgr-1");
        for (NodeProcess worker : workers) {
            worker.awaitStatus(s -> s.getAsJsonObject("deployment").getAsJsonArray("ignored").toString()
                    .contains("by mgr-2: ignored"), CONVERGE, "mgr-2's repository ignored");
        }
        ManagementClient api2 = new ManagementClient(mgr2, "admin", ADMIN_PASSWORD);
        ManagementClient.Response refused = api2.putFile("/api/artifacts/other.zip", Artifacts.helloSite());
        assertEquals(409, refused.status(), refused.body());
        assertTrue(refused.error().startsWith("mgr-2 is not the authority; send changes to mgr-1 (https://127.0.0.1:"),
                refused.error());
        assertFalse(Files.exists(mgr2.deployDir().resolve("other.zip")), "a refused upload leaves nothing in deploy/");
        // a file dropped into mgr-2's deploy/ is not recorded, and says where to send it; it stays
        Artifacts.drop(Artifacts.helloSite(), mgr2.deployDir(), "later.zip");
        mgr2.awaitStatus(s -> mgr2.logContains("later.zip dropped in " + mgr2.deployDir().toAbsolutePath().normalize()
                + " was not recorded: mgr-2 is not the authority; send changes to mgr-1"), CONVERGE, "later.zip not recorded");

        // mgr-1 frozen for 15 s (kill -STOP): every artifact keeps answering 200 on every worker
        try (AvailabilityProbe probe = probe(workers)) {
            mgr1.signal("STOP");
            probe.runFor(OUTAGE);
            mgr1.signal("CONT");
            probe.runFor(Duration.ofSeconds(2));
            assertEquals(List.of(), probe.failures(), "answers other than 200 while mgr-1 was frozen, of "
                    + probe.requests());
        }

        // mgr-1 killed (kill -9): the same, and mgr-2 still refuses changes, naming mgr-1
        try (AvailabilityProbe probe = probe(workers)) {
            mgr1.kill();
            probe.runFor(Duration.ofSeconds(3));
            ManagementClient.Response stillRefused = api2.putFile("/api/artifacts/other.zip", Artifacts.helloSite());
            assertEquals(409, stillRefused.status(), stillRefused.body());
            assertTrue(stillRefused.error().contains("send changes to mgr-1"), stillRefused.error());
            probe.runFor(OUTAGE.minusSeconds(3));
            assertEquals(List.of(), probe.failures(), "answers other than 200 after mgr-1 was killed, of "
                    + probe.requests());
        }

        // mgr-1 returns with its deploy/ emptied: the files come back from the repository, nothing is recorded
        try (Stream<Path> files = Files.list(mgr1.deployDir())) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
        start(mgr1);
        mgr1.awaitStatus(s -> replication(s).get("authority").getAsBoolean(), CONVERGE, "mgr-1 the authority again");
        Set<String> all = Set.of("hello-servlet.jar", "hello-site.zip", "hello.cfg");
        long deadline = System.nanoTime() + CONVERGE.toNanos(); // the folder is written back on its own thread
        while (!names(mgr1.deployDir()).equals(all) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(all, names(mgr1.deployDir()));
        assertEquals(3, mgr1.statusJson().getAsJsonObject("repository").get("revision").getAsLong(),
                "a start with an empty deploy/ records nothing");
        assertEquals(lineage, repositoryId(mgr1));
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello", 200, "Hello from the first manager", CONVERGE);
            worker.awaitStatus(s -> "mgr-1".equals(s.getAsJsonObject("deployment").get("source").getAsString()),
                    CONVERGE, "following mgr-1 again");
            assertEquals(lineage, worker.statusJson().getAsJsonObject("deployment").get("repositoryId").getAsString());
            assertFalse(worker.logContains("Undeployed"), worker.base() + " undeployed something:\n" + worker.logTail());
        }
        // the console's view: in sync with mgr-1, another repository as seen from mgr-2
        ManagementClient api1 = new ManagementClient(mgr1, "admin", ADMIN_PASSWORD);
        api1.await("/api/cluster", c -> syncOf(c, "w-1").equals("in-sync") && syncOf(c, "w-2").equals("in-sync"),
                CONVERGE, "both workers in sync on mgr-1");
        JsonObject seenFrom2 = api2.await("/api/cluster", c -> syncOf(c, "w-1").equals("other-lineage"), CONVERGE,
                "w-1 follows another repository, seen from mgr-2");
        assertEquals(lineage, ManagementClient.member(seenFrom2, "w-1").get("repositoryId").getAsString());
        Files.createDirectories(temp.resolve("cli"));
        CarbideCli.Run nodes = CarbideCli.run(temp.resolve("cli"), Map.of("CARBIDE_PASSWORD", ADMIN_PASSWORD), "nodes",
                "--base=" + mgr2.base()); // the operator sees why, and the one command that would change it
        assertEquals(0, nodes.exitCode(), nodes.all());
        assertTrue(nodes.out().contains("w-1 follows another repository (" + lineage + "): bin/carbide adopt w-1"),
                nodes.out());

        // moving the fleet to another repository is the operator's explicit action, and then it happens
        // a body of no declared length is read all the same: w-2 alone moves
        ManagementClient.Response moved = api2.postUnsized("/api/cluster/adopt", "{\"nodes\": [\"w-2\"]}");
        assertEquals(200, moved.status(), moved.body());
        assertFalse(moved.body().contains("\"w-1\""), moved.body());
        w2.awaitHttp("/hello-site/", 404, null, CONVERGE);
        w2.awaitStatus(s -> repositoryId(mgr2).equals(s.getAsJsonObject("deployment").get("repositoryId").getAsString()),
                CONVERGE, "w-2 following mgr-2's repository");
        w1.awaitHttp("/hello-site/", 200, null, CONVERGE);
        assertEquals(lineage, w1.statusJson().getAsJsonObject("deployment").get("repositoryId").getAsString());

        // once the whole fleet follows mgr-2, what was dropped there and not recorded is recorded after all
        assertEquals(404, w2.get(w2.clientPort(), "/later/").statusCode(), "later.zip served before the fleet followed mgr-2");
        // no body at all: every worker (the README's "no body: every worker", as curl -X POST sends it)
        ManagementClient.Response whole = api2.postUnsized("/api/cluster/adopt", "");
        assertEquals(200, whole.status(), whole.body());
        assertTrue(whole.body().contains("\"w-1\"") && whole.body().contains("\"w-2\""), whole.body());
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/later/", 200, null, CONVERGE);
        }
        assertTrue(mgr2.logContains("that were not recorded are taken up: [later.zip]"), mgr2.logTail());

        // the fleet back on mgr-1, later.zip deleted from mgr-2's deploy/: not recorded, until the fleet is on mgr-2 again
        ManagementClient.Response back = api1.postUnsized("/api/cluster/adopt", "");
        assertEquals(200, back.status(), back.body());
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/later/", 404, null, CONVERGE);
        }
        mgr2.awaitStatus(s -> !replication(s).get("authority").getAsBoolean(), CONVERGE, "mgr-2 no longer the authority");
        Files.delete(mgr2.deployDir().resolve("later.zip"));
        mgr2.awaitStatus(s -> mgr2.logContains("later.zip deleted in " + mgr2.deployDir().toAbsolutePath().normalize()
                + " was not recorded"), CONVERGE, "the deletion of later.zip not recorded");
        // a restart meanwhile does not write it back: the deletion is still the operator's, to record later
        assertEquals(0, mgr2.stop().exitCode());
        start(mgr2);
        mgr2.awaitStatus(s -> mgr2.logContains("stay deleted, and are removed from the repository once it records "
                + "changes (the fleet moved to it): [later.zip]"), CONVERGE, "mgr-2 keeping later.zip deleted at start");
        assertFalse(Files.exists(mgr2.deployDir().resolve("later.zip")), "later.zip written back at mgr-2's start");
        CarbideCli.Run again = CarbideCli.run(temp.resolve("cli"), Map.of("CARBIDE_PASSWORD", ADMIN_PASSWORD), "adopt",
                "--all", "--base=" + mgr2.base()); // as an operator moves the whole fleet
        assertEquals(0, again.exitCode(), again.all());
        assertTrue(again.out().contains("w-1") && again.out().contains("w-2"), again.out());
        mgr2.awaitStatus(s -> mgr2.logContains("whose deletion was not recorded are taken up: [later.zip]"), CONVERGE,
                "the deletion of later.zip taken up");
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello-site/", 404, null, CONVERGE); // mgr-2's repository: later.zip alone, now deleted
            worker.awaitHttp("/later/", 404, null, CONVERGE);
        }
        assertFalse(Files.exists(mgr2.deployDir().resolve("later.zip")), "later.zip written back into mgr-2's deploy/");

        // a tired operator moves the fleet again to where it already is: nothing moves, nothing is synced anew
        w1.awaitStatus(s -> !s.getAsJsonObject("deployment").has("adopting"), CONVERGE, "w-1 done moving");
        long moves = w1.logCount("moves from repository");
        CarbideCli.Run twice = CarbideCli.run(temp.resolve("cli"), Map.of("CARBIDE_PASSWORD", ADMIN_PASSWORD), "adopt",
                "--all", "--base=" + mgr2.base());
        assertEquals(0, twice.exitCode(), twice.all());
        w1.awaitStatus(s -> w1.logContains("Node w-1 already follows repository " + repositoryId(mgr2)), CONVERGE,
                "w-1 saying it already follows mgr-2's repository");
        assertEquals(moves, w1.logCount("moves from repository"), w1.logTail());

        // the same move made at a worker's start: w-1 back to mgr-1's repository by its id; a later start without
        // the option stays there, and w-2 is not moved by it
        assertEquals(0, w1.stop().exitCode());
        assertEquals(0, w1.start("-Dcarbide.lineage.adopt=" + lineage).exitCode(), w1.logTail());
        w1.awaitReady();
        w1.awaitStatus(s -> lineage.equals(s.getAsJsonObject("deployment").get("repositoryId").getAsString()),
                CONVERGE, "w-1 following mgr-1's repository, as its start asked");
        w1.awaitHttp("/hello-site/", 200, null, CONVERGE);
        assertTrue(w1.logContains("the start option -Dcarbide.lineage.adopt=" + lineage), w1.logTail());
        assertEquals(0, w1.stop().exitCode());
        start(w1);
        // served from its local copy at once: what it follows shows once it has synced with a manager
        JsonObject synced = w1.awaitStatus(s -> s.get("ready").getAsBoolean()
                && s.getAsJsonObject("deployment").get("source") != null
                && !s.getAsJsonObject("deployment").get("source").isJsonNull(), CONVERGE,
                "w-1 ready, with a manager to follow, after its start");
        assertEquals("mgr-1", synced.getAsJsonObject("deployment").get("source").getAsString(),
                "a start without the option stays with the repository it moved to");
        assertEquals(lineage, synced.getAsJsonObject("deployment").get("repositoryId").getAsString());
        w1.awaitHttp("/hello-site/", 200, null, CONVERGE);
        assertEquals(repositoryId(mgr2), w2.statusJson().getAsJsonObject("deployment").get("repositoryId").getAsString(),
                "w-2 stays where it was");
    }

    private NodeProcess manager(String name, int portOffset, String wellKnown) {
        NodeProcess node = NodeProcess.withOffset(temp.resolve(name), "manager", portOffset, "-Dnode=" + name,
                "-Dcarbide.cluster.wellKnownMembers=" + wellKnown)
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        started.add(node);
        return node;
    }

    private static AvailabilityProbe probe(List<NodeProcess> workers) {
        AvailabilityProbe probe = new AvailabilityProbe();
        for (NodeProcess worker : workers) {
            PATHS.forEach(path -> probe.watch(worker, path));
        }
        return probe.start();
    }

    private static JsonObject replication(JsonObject status) {
        return status.getAsJsonObject("replication");
    }

    private static String repositoryId(NodeProcess manager) {
        return manager.statusJson().getAsJsonObject("repository").get("id").getAsString();
    }

    private static String syncOf(JsonObject cluster, String name) {
        return ManagementClient.member(cluster, name).get("sync").getAsString();
    }

    private static Set<String> names(Path folder) throws java.io.IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }
}
