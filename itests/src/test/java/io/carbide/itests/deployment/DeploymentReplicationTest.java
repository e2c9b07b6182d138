package io.carbide.itests.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment flow with real processes: a manager and workers started from the distribution,
 * artifacts dropped into the manager's deploy/ folder, and HTTP on the workers' client ports.
 */
class DeploymentReplicationTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private NodeProcess manager(String name) {
        NodeProcess node = new NodeProcess(temp.resolve(name), "manager", "-Dnode=" + name);
        started.add(node);
        return node;
    }

    private NodeProcess worker(String name, NodeProcess manager) {
        NodeProcess node = new NodeProcess(temp.resolve(name), "worker", "-Dnode=" + name,
                "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]");
        started.add(node);
        return node;
    }

    private static void start(NodeProcess node) {
        assertEquals(0, node.start().exitCode(), node.logTail());
        node.awaitReady();
    }

    private static long repositoryRevision(NodeProcess manager) {
        return manager.statusJson().getAsJsonObject("repository").get("revision").getAsLong();
    }

    private static Map<String, String> refused(NodeProcess manager) {
        Map<String, String> refused = new LinkedHashMap<>();
        for (JsonElement entry : manager.statusJson().getAsJsonObject("repository").getAsJsonArray("refused")) {
            refused.put(entry.getAsJsonObject().get("name").getAsString(),
                    entry.getAsJsonObject().get("reason").getAsString());
        }
        return refused;
    }

    private static Set<String> deployed(NodeProcess worker) {
        Set<String> names = new TreeSet<>();
        JsonArray artifacts = worker.statusJson().getAsJsonObject("deployment").getAsJsonArray("artifacts");
        artifacts.forEach(a -> names.add(a.getAsJsonObject().get("name").getAsString()));
        return names;
    }

    @Test
    void artifactsDroppedIntoTheManagerGoLiveOnEveryWorkerAndFollowItsChanges() throws Exception {
        NodeProcess manager = manager("mgr");
        start(manager);
        NodeProcess w1 = worker("w1", manager);
        NodeProcess w2 = worker("w2", manager);
        start(w1);
        start(w2);
        List<NodeProcess> workers = List.of(w1, w2);

        // a bundle with a servlet, its configuration, and a static site
        Artifacts.drop(Artifacts.helloServlet(), manager.deployDir(), "hello-servlet.jar");
        Artifacts.drop(Artifacts.helloSite(), manager.deployDir(), "hello-site.zip");
        Artifacts.dropText("greeting = Hello from the manager\n", manager.deployDir(), "hello.cfg");
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello", 200, "Hello from the manager", CONVERGE);
            worker.awaitHttp("/hello-site/", 200, "Hello from a Carbide worker", CONVERGE);
            worker.awaitHttp("/hello-site/style.css", 200, "font-family", CONVERGE);
        }
        manager.awaitStatus(s -> repositoryRevision(manager) == 3, CONVERGE, "repository at revision 3");
        for (NodeProcess worker : workers) {
            // a batch's bundles are started after its revision is recorded: "installed" is seen for a moment
            JsonObject status = worker.awaitStatus(s -> s.getAsJsonObject("deployment").get("revision").getAsLong() == 3
                    && !s.getAsJsonObject("deployment").getAsJsonArray("artifacts").toString().contains("\"installed\""),
                    CONVERGE, "revision 3, its bundles started");
            for (JsonElement artifact : status.getAsJsonObject("deployment").getAsJsonArray("artifacts")) {
                assertEquals("active", artifact.getAsJsonObject().get("state").getAsString(), artifact.toString());
            }
        }
        // the manager knows what every worker applied
        manager.awaitStatus(s -> s.getAsJsonObject("replication").getAsJsonArray("nodes").size() == 2
                && s.getAsJsonObject("replication").getAsJsonArray("nodes").get(0).getAsJsonObject().get("revision")
                .getAsLong() == 3, CONVERGE, "reports from both workers at revision 3");
        assertFalse(manager.get(manager.clientPort(), "/hello").statusCode() == 200,
                "a manager-only node stores artifacts but does not run them");

        // an update reaches both
        Artifacts.dropText("greeting = Second greeting\n", manager.deployDir(), "hello.cfg");
        Path site2 = Artifacts.zip(temp.resolve("site2.zip"),
                Map.of("index.html", "<h1>Version two</h1>".getBytes(StandardCharsets.UTF_8)), false);
        Artifacts.drop(site2, manager.deployDir(), "hello-site.zip");
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello", 200, "Second greeting", CONVERGE);
            worker.awaitHttp("/hello-site/", 200, "Version two", CONVERGE);
            worker.awaitHttp("/hello-site/style.css", 404, null, CONVERGE);
        }

        // a delete removes it from both
        Files.delete(manager.deployDir().resolve("hello-site.zip"));
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello-site/", 404, null, CONVERGE);
        }

        // a file dropped by hand on a worker is refused: not installed, not replicated
        Artifacts.drop(Artifacts.helloSite(), w1.deployDir(), "hello-site.zip");
        w1.awaitStatus(s -> w1.logContains("dropped on read-only node w1"), CONVERGE, "the refusal in the log");
        assertEquals(404, w1.get(w1.clientPort(), "/hello-site/").statusCode());
        assertEquals(404, w2.get(w2.clientPort(), "/hello-site/").statusCode());
        // revisions so far: 3 drops, 2 updates, 1 delete
        manager.awaitStatus(s -> repositoryRevision(manager) == 6, CONVERGE, "repository at revision 6");
        long before = 6;

        // invalid artifacts are refused and reported; the rest keeps working
        Artifacts.drop(Artifacts.plainJar(temp.resolve("lib.jar")), manager.deployDir(), "plain-library.jar");
        Artifacts.drop(Artifacts.zip(temp.resolve("evil.zip"), Map.of("../../escape.txt", new byte[] {1}), false),
                manager.deployDir(), "evil.zip");
        Artifacts.drop(Artifacts.truncated(Artifacts.helloServlet(), temp.resolve("cut.jar"), 1500), manager.deployDir(),
                "truncated.jar");
        Artifacts.dropText("greeting = fine\nthis line has no separator\n", manager.deployDir(), "broken.cfg");
        manager.awaitStatus(s -> refused(manager).size() == 4, CONVERGE, "four refusals");
        Map<String, String> reasons = refused(manager);
        assertTrue(reasons.get("plain-library.jar").contains("not an OSGi bundle"), reasons.toString());
        assertTrue(reasons.get("evil.zip").contains("outside its folder"), reasons.toString());
        assertTrue(reasons.get("truncated.jar").contains("not a readable jar"), reasons.toString());
        assertTrue(reasons.get("broken.cfg").contains("line 2 of broken.cfg is not 'key = value'"), reasons.toString());
        // the manager's folder watch and File Install both report a drop (File Install 100-200 ms
        // later): a broken archive is still refused, and logged, once
        Thread.sleep(1_000);
        assertEquals(1, manager.logCount("Artifact refused, not stored or replicated: evil.zip"), manager.logTail());
        assertEquals(1, manager.logCount("Artifact refused, not stored or replicated: plain-library.jar"),
                manager.logTail());
        assertEquals(before, repositoryRevision(manager), "nothing refused is stored or replicated");
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello", 200, "Second greeting", CONVERGE);
            assertEquals(Set.of("hello-servlet.jar", "hello.cfg"), deployed(worker));
        }

        // a worker that starts late catches up
        NodeProcess late = worker("late", manager);
        start(late);
        late.awaitHttp("/hello", 200, "Second greeting", CONVERGE);
        assertEquals(Set.of("hello-servlet.jar", "hello.cfg"), deployed(late));
        assertEquals(404, late.get(late.clientPort(), "/hello-site/").statusCode());

        // a burst: 600 web apps moved into the folder at once, as `mv staging/* deploy/` does. File
        // Install's file-system watcher loses most of such a burst; the manager's sweep must record
        // every file it missed, and the fleet serve them all
        Path staging = Files.createDirectories(temp.resolve("staging"));
        int burst = 600;
        for (int i = 1; i <= burst; i++) {
            Artifacts.zip(staging.resolve("burst-" + i + ".zip"),
                    Map.of("index.html", ("<p>burst " + i + "</p>").getBytes(StandardCharsets.UTF_8)), false);
        }
        for (int i = 1; i <= burst; i++) {
            Files.move(staging.resolve("burst-" + i + ".zip"), manager.deployDir().resolve("burst-" + i + ".zip"));
        }
        manager.awaitStatus(s -> repositoryRevision(manager) == before + burst, CONVERGE,
                "the " + burst + " files of the burst stored");
        assertTrue(refused(manager).keySet().stream().noneMatch(n -> n.startsWith("burst-")), refused(manager).toString());
        late.awaitHttp("/burst-" + burst + "/", 200, "burst " + burst, CONVERGE);

        // drops undone at once: each web app is deleted or renamed 40 to 100 ms after it lands,
        // while the manager is taking it up (it used to write one recorded in that moment back
        // into the folder, and the fleet went on serving it); the fleet must follow the folder
        int undone = 16;
        for (int i = 0; i < undone; i++) {
            Artifacts.zip(staging.resolve("undone-" + i + ".zip"),
                    Map.of("index.html", ("<p>undone " + i + "</p>").getBytes(StandardCharsets.UTF_8)), false);
        }
        for (int i = 0; i < undone; i++) {
            Path dropped = manager.deployDir().resolve("undone-" + i + ".zip");
            Files.move(staging.resolve("undone-" + i + ".zip"), dropped);
            Thread.sleep(40 + i * 4L);
            if (i % 2 == 0) {
                Files.delete(dropped);
            } else {
                Files.move(dropped, manager.deployDir().resolve("renamed-" + i + ".zip"));
            }
        }
        for (int i = 1; i < undone; i += 2) {
            late.awaitHttp("/renamed-" + i + "/", 200, "undone " + i, CONVERGE);
        }
        Thread.sleep(2_000); // File Install, the folder's watch and the view have all had their say by now
        for (int i = 0; i < undone; i++) {
            assertFalse(Files.exists(manager.deployDir().resolve("undone-" + i + ".zip")),
                    "undone-" + i + ".zip was written back into the manager's deploy/");
            late.awaitHttp("/undone-" + i + "/", 404, null, CONVERGE);
        }
    }

    @Test
    void restartedWorkerServesItsLocalCopyAtOnceAndReconcilesDeletionsWhenTheManagerReturns() throws Exception {
        NodeProcess manager = manager("mgr");
        start(manager);
        NodeProcess worker = worker("w", manager);
        start(worker);
        Artifacts.drop(Artifacts.helloServlet(), manager.deployDir(), "hello-servlet.jar");
        Artifacts.dropText("greeting = Before the outage\n", manager.deployDir(), "hello.cfg");
        worker.awaitHttp("/hello", 200, "Before the outage", CONVERGE);

        // the worker dies; meanwhile the configuration is deleted on the manager; then the manager stops
        worker.kill();
        Files.delete(manager.deployDir().resolve("hello.cfg"));
        manager.awaitStatus(s -> repositoryRevision(manager) == 3, CONVERGE, "the tombstone at revision 3");
        assertEquals(0, manager.stop().exitCode());

        // with no manager up, the restarted worker serves what it had, and says it is ready
        assertEquals(0, worker.start().exitCode());
        worker.awaitReady();
        worker.awaitHttp("/hello", 200, "Before the outage", CONVERGE);

        // the manager returns: nothing is re-recorded, and the worker applies the deletion it missed
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        worker.awaitHttp("/hello", 200, "Hello from Carbide", CONVERGE);
        worker.awaitStatus(s -> deployed(worker).equals(Set.of("hello-servlet.jar")), CONVERGE, "hello.cfg undeployed");
        assertEquals(3, repositoryRevision(manager), "a manager restart records nothing new");
        assertFalse(manager.logContains("at revision 4"), manager.logTail());
    }

    @Test
    void workerKilledDuringALargeTransferConvergesWithNoCorruptArtifact() throws Exception {
        NodeProcess manager = manager("mgr");
        start(manager);
        NodeProcess worker = worker("w", manager);
        start(worker);

        // 96 MB of random bytes, stored uncompressed, so the transfer takes a while
        byte[] big = new byte[96 * 1024 * 1024];
        new java.util.Random(7).nextBytes(big);
        Path zip = Artifacts.zip(temp.resolve("big.zip"), Map.of("data.bin", big, "index.html",
                "<p>big</p>".getBytes(StandardCharsets.UTF_8)), true);
        Artifacts.drop(zip, manager.deployDir(), "big.zip");

        // killed once a few megabytes are on its disk
        Path blobs = killMidTransfer(worker, 4 << 20);
        long kept = partialBytesIn(blobs);
        assertTrue(kept > 0 && kept < big.length, "killed mid-transfer, with " + kept + " bytes");

        assertEquals(0, worker.start().exitCode());
        worker.awaitHttp("/big/", 200, "big", CONVERGE);
        assertTrue(worker.logContains("Resuming big.zip at byte "), "the restarted worker resumed: " + worker.logTail());
        assertServes(worker, "/big/data.bin", big);
        assertFalse(partialTransferIn(blobs), "no partial transfer is left behind");
        assertTrue(worker.statusJson().getAsJsonObject("cluster").getAsJsonObject("content").get("bytesReceived")
                .getAsLong() > 0, "the bytes came over the manager's content port");
    }

    /**
     * A large artifact goes from the manager to two workers only; the others fetch it from those
     * peers. A worker killed with -9 while the fleet fetches the next one costs nobody their copy:
     * its children turn to the others and the manager, and it resumes when it returns.
     */
    @Test
    void workersFetchALargeArtifactFromTheirPeersAndTheManagerSendsItAtMostTwice() throws Exception {
        NodeProcess manager = manager("mgr");
        start(manager);
        List<NodeProcess> workers = List.of(worker("w1", manager), worker("w2", manager), worker("w3", manager),
                worker("w4", manager));
        for (NodeProcess worker : workers) {
            assertEquals(0, worker.start().exitCode(), worker.logTail());
        }
        workers.forEach(NodeProcess::awaitReady);
        manager.awaitStatus(s -> s.getAsJsonObject("replication").getAsJsonArray("nodes").size() == 4, CONVERGE,
                "reports from the 4 workers");

        byte[] first = randomBytes(1, 24 << 20);
        Path firstZip = Artifacts.zip(temp.resolve("first.zip"), Map.of("data.bin", first, "index.html",
                "<p>first</p>".getBytes(StandardCharsets.UTF_8)), true);
        Artifacts.drop(firstZip, manager.deployDir(), "first.zip");
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/first/", 200, "first", CONVERGE);
            assertServes(worker, "/first/data.bin", first);
        }
        long size = Files.size(firstZip);
        Thread.sleep(1_500); // status.json is written every second
        long managerSent = contentStatus(manager).get("bytesSent").getAsLong();
        long peersSent = workers.stream().mapToLong(w -> contentStatus(w).get("bytesSent").getAsLong()).sum();
        assertTrue(managerSent <= 2 * size, "the manager sent " + managerSent + " bytes of a " + size + "-byte artifact "
                + "to 4 workers: at most twice its size");
        assertTrue(peersSent >= 2 * size, "workers served " + peersSent + " bytes to their peers");

        // the next one: a worker dies with -9 part way, as a source or as a fetcher, and nobody is left without it
        byte[] second = randomBytes(2, 48 << 20);
        Path secondZip = Artifacts.zip(temp.resolve("second.zip"), Map.of("data.bin", second, "index.html",
                "<p>second</p>".getBytes(StandardCharsets.UTF_8)), true);
        Artifacts.drop(secondZip, manager.deployDir(), "second.zip");
        NodeProcess victim = workers.get(0);
        Path blobs = killMidTransfer(victim, 2 << 20);
        for (NodeProcess worker : workers.subList(1, workers.size())) {
            worker.awaitHttp("/second/", 200, "second", CONVERGE);
            assertServes(worker, "/second/data.bin", second);
            assertFalse(partialTransferIn(worker.base().resolve("data/deployment/blobs")), worker.name());
        }
        assertEquals(0, victim.start().exitCode());
        victim.awaitHttp("/second/", 200, "second", CONVERGE);
        assertServes(victim, "/second/data.bin", second);
        assertServes(victim, "/first/data.bin", first);
        assertFalse(partialTransferIn(blobs), "no partial transfer is left behind on w1");
    }

    /**
     * Kills the worker with -9 once {@code bytes} of a transfer are in its part files (the content
     * port moves them fast, so it looks often); returns its blobs folder.
     */
    private static Path killMidTransfer(NodeProcess worker, long bytes) throws InterruptedException {
        Path blobs = worker.base().resolve("data/deployment/blobs");
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (partialBytesIn(blobs) < bytes) {
            assertTrue(System.nanoTime() < deadline, "no transfer under way on " + worker.name() + ": "
                    + worker.logTail());
            Thread.sleep(2);
        }
        worker.kill();
        return blobs;
    }

    private static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new java.util.Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static JsonObject contentStatus(NodeProcess node) {
        return node.statusJson().getAsJsonObject("cluster").getAsJsonObject("content");
    }

    private static void assertServes(NodeProcess worker, String path, byte[] expected) throws Exception {
        java.net.http.HttpResponse<byte[]> served = worker.getBytes(worker.clientPort(), path);
        assertEquals(200, served.statusCode(), worker.name() + path);
        assertTrue(java.util.Arrays.equals(expected, served.body()), worker.name() + " serves exactly the deployed bytes");
    }

    /** The dual-mode node here has no content port, as a node of an older build: content goes over the cluster channel. */
    @Test
    void dualModeNodeRunsWhatIsDroppedIntoItAndReplicatesItToWorkers() throws Exception {
        NodeProcess dual = new NodeProcess(temp.resolve("dual"), "default", "-Dnode=dual",
                "-Dcarbide.cluster.contentPort=off");
        started.add(dual);
        start(dual);
        NodeProcess worker = worker("w", dual);
        start(worker);

        Artifacts.drop(Artifacts.helloSite(), dual.deployDir(), "hello-site.zip");
        dual.awaitHttp("/hello-site/", 200, "Hello from a Carbide worker", CONVERGE);
        worker.awaitHttp("/hello-site/", 200, "Hello from a Carbide worker", CONVERGE);
        assertEquals("", dual.statusJson().getAsJsonObject("cluster").getAsJsonObject("content").get("address")
                .getAsString());
        assertEquals(0, worker.statusJson().getAsJsonObject("cluster").getAsJsonObject("content").get("bytesReceived")
                .getAsLong(), "nothing came over a content port");
        dual.awaitStatus(s -> s.getAsJsonObject("deployment").get("revision").getAsLong() == 1
                && !s.get("readOnly").getAsBoolean(), CONVERGE, "the dual-mode node applied revision 1");

        Files.delete(dual.deployDir().resolve("hello-site.zip"));
        dual.awaitHttp("/hello-site/", 404, null, CONVERGE);
        worker.awaitHttp("/hello-site/", 404, null, CONVERGE);
    }

    private static long partialBytesIn(Path blobs) {
        try (var files = Files.list(blobs)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".part")).mapToLong(f -> f.toFile().length())
                    .sum();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static boolean partialTransferIn(Path blobs) {
        try (var files = Files.list(blobs)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".part"));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
