package io.carbide.itests.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.AvailabilityProbe;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers sharing one repository through their consensus, and two workers: changes through
 * any manager reach every worker; the leader killed with kill -9 gives way to a new one while the
 * workers keep serving; a manager that returns behind the others catches up without rolling the
 * fleet back to the copies in its deploy/; one that lost its data is refused until
 * it is removed and added back; with one manager of three left, changes are refused with the
 * quorum named, and the workers keep serving; the two others lost for good, the one left recovers
 * (README, "Disaster recovery") into a new generation of the same repository that the workers
 * follow while they serve, and the option left in its start acts once. A rollback through the
 * rebuilt manager reaches every manager's deploy/ and every worker. A staged rollout whose driving
 * leader is killed is completed by the next leader. Every manager writes the load balancer's
 * files, and only the authority runs its reload: the new one after a failover, never a follower.
 * Real processes; the test kills only its own.
 */
class ManagerFailoverTest {

    private static final Duration CONVERGE = ManagerCluster.CONVERGE;
    private static final List<String> PATHS = List.of("/hello", "/hello-site/", "/health");
    /** What a manager logs when it becomes the authority of the domain (FleetLineage). */
    private static final String AUTHORITY = " is the authority of cluster domain ";

    @TempDir
    Path temp;

    @Test
    void managersFailOverRestartAndRejoinWhileWorkersKeepServing() throws Exception {
        // every manager keeps the load balancer's files; only the authority runs the reload (README)
        try (ManagerCluster cluster = new ManagerCluster(temp, 3, 2, null, "-Dcarbide.lb.serviceHost=shop.test",
                "-Dcarbide.lb.reloadCommand=echo reloaded >> reloads.txt")) {
            cluster.startAll();
            NodeProcess mgr1 = cluster.manager("mgr-1");
            NodeProcess mgr2 = cluster.manager("mgr-2");
            NodeProcess mgr3 = cluster.manager("mgr-3");

            // changes through every manager: a drop, an upload, a configuration
            Artifacts.drop(Artifacts.helloServlet(), mgr1.deployDir(), "hello-servlet.jar");
            ManagementClient.Response upload = ManagerCluster.api(mgr2).putFile("/api/artifacts/hello-site.zip",
                    Artifacts.helloSite());
            assertEquals(201, upload.status(), upload.body());
            ManagementClient.Response config = ManagerCluster.api(mgr3).putJson("/api/config/hello",
                    "{\"properties\": {\"greeting\": \"Hello from three managers\"}}");
            assertEquals(201, config.status(), config.body());
            for (NodeProcess worker : cluster.workers) {
                worker.awaitHttp("/hello", 200, "Hello from three managers", CONVERGE);
                worker.awaitHttp("/hello-site/", 200, null, CONVERGE);
            }
            Set<String> three = Set.of("hello-servlet.jar", "hello-site.zip", "hello.cfg");
            for (NodeProcess manager : cluster.managers) {
                awaitFolder(manager, three);
                manager.awaitStatus(s -> s.getAsJsonObject("repository").get("revision").getAsLong() == 3, CONVERGE,
                        "revision 3 everywhere");
            }
            // the management users are the cluster's: a user made through one manager logs in on every other
            ManagementClient.Response made = ManagerCluster.api(mgr3).putJson("/api/users/ops",
                    "{\"password\": \"ops-password-1\", \"role\": \"deployer\"}");
            assertEquals(201, made.status(), made.body());
            for (NodeProcess manager : cluster.managers) {
                awaitLogIn(manager, "ops", "ops-password-1");
            }
            String log = Files.readString(mgr1.base().resolve("data/repository/revisions.log"));
            for (NodeProcess manager : List.of(mgr2, mgr3)) {
                awaitEqual(log, manager.base().resolve("data/repository/revisions.log"));
            }

            // the leader killed: a new one takes changes, the workers keep serving every artifact
            NodeProcess leader = cluster.leader(cluster.managers);
            List<NodeProcess> survivors = new ArrayList<>(cluster.managers);
            survivors.remove(leader);
            List<String> deployedBefore = deployLines(cluster.workers);
            awaitReloads(leader, 1);
            for (NodeProcess manager : cluster.managers) {
                assertTrue(Files.isRegularFile(manager.base().resolve("lb/haproxy.cfg")), manager.base() + " keeps the files");
            }
            int[] followerReloads = {reloads(survivors.get(0)), reloads(survivors.get(1))};
            long[] authorityLines = {survivors.get(0).logCount(AUTHORITY), survivors.get(1).logCount(AUTHORITY)};
            try (AvailabilityProbe probe = probe(cluster.workers)) {
                leader.kill();
                ManagementClient survivor = ManagerCluster.api(survivors.get(0));
                awaitCreated(survivor, "/api/artifacts/after.cfg", "after = the leader was killed\n");
                // and an artifact the killed manager holds an older copy of in its deploy/
                awaitStatus(survivor, "/api/artifacts/hello.cfg", "greeting = Hello after the failover\n", 200);
                for (NodeProcess worker : cluster.workers) {
                    worker.awaitStatus(s -> ManagerCluster.deployed(worker).contains("after.cfg"), CONVERGE,
                            "after.cfg deployed");
                    worker.awaitHttp("/hello", 200, "Hello after the failover", CONVERGE);
                }
                probe.runFor(Duration.ofSeconds(1));
                assertEquals(List.of(), probe.failures(), "answers other than 200 while the leader failed over, of "
                        + probe.requests());
            }
            assertTrue(survivors.contains(cluster.leader(survivors)), "a survivor leads");
            // the new authority brings the load balancer in line; a manager that only followed never reloads
            // (one that was the authority for a moment on the way may have, rightly)
            NodeProcess newLeader = cluster.leader(survivors);
            NodeProcess follower = survivors.get(0) == newLeader ? survivors.get(1) : survivors.get(0);
            awaitReloads(newLeader, followerReloads[survivors.indexOf(newLeader)] + 1);
            if (follower.logCount(AUTHORITY) == authorityLines[survivors.indexOf(follower)]) {
                assertEquals(followerReloads[survivors.indexOf(follower)], reloads(follower),
                        "a follower runs no reload: " + follower.base());
            }

            // the killed manager returns behind the others: its stale hello.cfg must not roll the fleet back;
            // it catches up, its deploy/ shows everything, workers redeploy nothing
            List<String> deployedAfterFailover = deployLines(cluster.workers);
            assertTrue(deployedAfterFailover.size() > deployedBefore.size(), "workers deployed the new changes");
            assertEquals(0, leader.start().exitCode());
            leader.awaitReady();
            Set<String> four = new TreeSet<>(three);
            four.add("after.cfg");
            awaitFolder(leader, four);
            leader.awaitStatus(s -> s.getAsJsonObject("repository").get("revision").getAsLong() == 5, CONVERGE,
                    "the returned manager at revision 5");
            awaitText(leader.deployDir().resolve("hello.cfg"), "Hello after the failover");
            assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
                    Files.getPosixFilePermissions(leader.deployDir().resolve("after.cfg")),
                    "a configuration another manager recorded is written owner-only: it may hold credentials");
            Thread.sleep(2_000); // time for a stale copy to be taken for a drop, were it to happen
            for (NodeProcess manager : cluster.managers) {
                assertEquals(5, ManagerCluster.revision(manager), manager.base() + " recorded nothing more");
            }
            for (NodeProcess worker : cluster.workers) {
                worker.awaitHttp("/hello", 200, "Hello after the failover", CONVERGE);
            }
            assertEquals(deployedAfterFailover, deployLines(cluster.workers), "the return redeployed nothing");
            // a password changed while it was down reaches it from the managers' log
            assertEquals(200, ManagerCluster.api(survivors.get(0)).putJson("/api/users/ops",
                    "{\"password\": \"ops-password-2\"}").status());
            awaitLogIn(leader, "ops", "ops-password-2");
            assertEquals(401, ManagerCluster.api(leader).as("ops", "ops-password-1").get("/api/artifacts").status(),
                    "the old password no longer logs in on the returned manager");

            // a manager whose data/ is lost must not vote again under its old name
            assertEquals(0, leader.stop().exitCode());
            deleteTree(leader.base().resolve("data"));
            assertEquals(0, leader.start().exitCode());
            JsonObject refused = leader.awaitStatus(s -> "refused".equals(s.get("state").getAsString()), CONVERGE,
                    "refused for its lost log");
            String reason = refused.get("reason").getAsString();
            assertTrue(reason.contains("must not vote again under its old identity") && reason.contains("Remove it from "
                    + "the managers, then add it back"), reason);
            String name = leader.base().getFileName().toString();
            ManagementClient current = ManagerCluster.api(cluster.leader(survivors));
            assertEquals(200, current.delete("/api/managers/" + name).status());
            ManagementClient.Response added = current.postJson("/api/managers", "{\"add\": \"" + name + "\"}");
            assertEquals(200, added.status(), added.body());
            leader.awaitStatus(s -> s.getAsJsonObject("repository").get("revision").getAsLong() == 5
                    && s.getAsJsonObject("managers").getAsJsonArray("members").size() == 3, CONVERGE,
                    "caught up as a voting manager again");
            awaitFolder(leader, four);
            assertEquals(deployedAfterFailover, deployLines(cluster.workers), "nothing changed on the workers");
            awaitLogIn(leader, "ops", "ops-password-2"); // rebuilt from a snapshot, users included

            // a rollback to revision 3 through the manager just rebuilt from a snapshot (it once lacked the old
            // content there: only the current artifacts were fetched), usually a follower: one step, replicated
            // to every manager's deploy/ and every worker
            ManagementClient.Response rollback = ManagerCluster.api(leader).postJson("/api/rollback",
                    "{\"revision\": 3}");
            assertEquals(200, rollback.status(), rollback.body());
            assertEquals(2, rollback.json().getAsJsonArray("changes").size(), rollback.body());
            for (NodeProcess manager : cluster.managers) {
                awaitFolder(manager, three);
                awaitText(manager.deployDir().resolve("hello.cfg"), "Hello from three managers");
                manager.awaitStatus(s -> s.getAsJsonObject("repository").get("revision").getAsLong() == 7, CONVERGE,
                        "the rollback's two changes on every manager");
            }
            for (NodeProcess worker : cluster.workers) {
                worker.awaitHttp("/hello", 200, "Hello from three managers", CONVERGE);
            }

            // a staged rollout whose driver (the leader) is killed with kill -9 while the canary settles: the new
            // leader carries it on from the replicated state, and the held worker gets it only after the canary
            NodeProcess driver = cluster.leader(cluster.managers);
            List<NodeProcess> others = new ArrayList<>(cluster.managers);
            others.remove(driver);
            ManagementClient.Response staged = ManagerCluster.api(others.get(0)).putBytes(
                    "/api/artifacts/staged.cfg?canary=1&waves=100%25&settle=8", "staged = yes\n".getBytes());
            assertEquals(202, staged.status(), staged.body());
            com.google.gson.JsonArray waves = staged.json().getAsJsonObject("rollout").getAsJsonArray("waves");
            NodeProcess canary = worker(cluster, waves.get(0).getAsJsonArray().get(0).getAsString());
            NodeProcess held = worker(cluster, waves.get(1).getAsJsonArray().get(0).getAsString());
            canary.awaitStatus(s -> ManagerCluster.deployed(canary).contains("staged.cfg"), CONVERGE, "the canary has it");
            assertFalse(ManagerCluster.deployed(held).contains("staged.cfg"), "held until the canary has settled");
            driver.kill();
            ManagerCluster.api(others.get(0)).await("/api/rollout", r -> "completed".equals(r.getAsJsonObject("rollout")
                    .get("state").getAsString()), CONVERGE, "the rollout completed by the new leader");
            held.awaitStatus(s -> ManagerCluster.deployed(held).contains("staged.cfg"), CONVERGE, "the held worker has it");
            assertEquals(0, driver.start().exitCode());
            driver.awaitReady();

            // one manager of three left: changes are refused with the quorum named, and the workers keep serving
            NodeProcess last = cluster.managers.get(0);
            try (AvailabilityProbe probe = probe(cluster.workers)) {
                for (NodeProcess manager : cluster.managers) {
                    if (manager != last) {
                        assertEquals(0, manager.stop().exitCode());
                    }
                }
                ManagementClient lonely = ManagerCluster.api(last);
                ManagementClient.Response noQuorum = awaitStatus(lonely, "/api/artifacts/lonely.cfg", "x = 1\n", 503);
                assertTrue(noQuorum.error().startsWith("no quorum: 1 of 3 managers reachable"), noQuorum.body());
                ManagementClient.Response userRefused = lonely.putJson("/api/users/lonely",
                        "{\"password\": \"lonely-password\", \"role\": \"viewer\"}");
                assertEquals(503, userRefused.status(), userRefused.body());
                assertTrue(userRefused.error().contains("1 of 3 managers reachable"), userRefused.body());
                assertEquals(200, lonely.as("ops", "ops-password-2").get("/api/artifacts").status(),
                        "the users log in on a manager left alone");
                probe.runFor(Duration.ofSeconds(3));
                assertEquals(List.of(), probe.failures(), "the workers kept serving without a quorum, of "
                        + probe.requests());
            }
            assertFalse(Files.exists(last.deployDir().resolve("lonely.cfg")), "a refused change leaves nothing");

            // the other two lost for good: the operator recovers from the one left, as the README says; it starts
            // a new consensus of one from its committed history, keeping the repository, and the workers follow
            // its new generation without serving anything else meanwhile
            String repository = ManagerCluster.repositoryId(last.statusJson());
            long revision = ManagerCluster.revision(last);
            assertEquals(0, last.stop().exitCode());
            try (AvailabilityProbe probe = probe(cluster.workers)) {
                assertEquals(0, last.start("-Dcarbide.managers.recover=true", "-Dcarbide.managers=" + last.name())
                        .exitCode(), last.logTail());
                last.awaitReady(); // its management port open
                // leading first, then the repository carried into the new consensus from the committed history
                JsonObject recovered = last.awaitStatus(s -> ManagerCluster.leader(s).equals(
                        java.util.Optional.of(last.name())) && !ManagerCluster.repositoryId(s).isEmpty(), CONVERGE,
                        "leading a consensus of its own, the repository carried into it");
                assertEquals(repository, ManagerCluster.repositoryId(recovered), "the repository keeps its id");
                assertEquals(2, recovered.getAsJsonObject("repository").get("generation").getAsLong(),
                        "a new generation of it");
                assertTrue(recovered.getAsJsonObject("repository").get("revision").getAsLong() >= revision,
                        "nothing it had committed is lost");
                try (Stream<Path> data = Files.list(last.base().resolve("data"))) {
                    assertEquals(1, data.filter(f -> f.getFileName().toString().startsWith("managers.before-recovery-"))
                            .count(), "the old managers' log is set aside, not deleted");
                }
                awaitCreated(ManagerCluster.api(last), "/api/artifacts/recovered.cfg", "recovered = yes\n");
                for (NodeProcess worker : cluster.workers) {
                    worker.awaitStatus(s -> s.getAsJsonObject("deployment").get("generation").getAsLong() == 2
                            && ManagerCluster.deployed(worker).contains("recovered.cfg"), CONVERGE,
                            "following the recovered generation");
                    worker.awaitHttp("/hello", 200, "Hello from three managers", CONVERGE);
                }
                probe.runFor(Duration.ofSeconds(1));
                assertEquals(List.of(), probe.failures(), "the workers kept serving through the recovery, of "
                        + probe.requests());
            }
            // the option left in a start script acts once: the next start neither sets the log aside again nor
            // makes a third generation
            assertEquals(0, last.stop().exitCode());
            assertEquals(0, last.start("-Dcarbide.managers.recover=true", "-Dcarbide.managers=" + last.name())
                    .exitCode(), last.logTail());
            last.awaitReady();
            JsonObject again = last.awaitStatus(s -> ManagerCluster.leader(s).equals(java.util.Optional.of(last.name()))
                    && !ManagerCluster.repositoryId(s).isEmpty(), CONVERGE, "leading again, with its repository");
            assertEquals(2, again.getAsJsonObject("repository").get("generation").getAsLong());
            try (Stream<Path> data = Files.list(last.base().resolve("data"))) {
                assertEquals(1, data.filter(f -> f.getFileName().toString().startsWith("managers.before-recovery-"))
                        .count(), "set aside once only");
            }
            assertTrue(last.logContains("its recovery is done"), last.logTail());
        }
    }

    /** The user logs in on the manager (the change may still be on its way there). */
    private static void awaitLogIn(NodeProcess manager, String user, String password) throws InterruptedException {
        ManagementClient as = ManagerCluster.api(manager).as(user, password);
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        int status;
        while ((status = as.get("/api/artifacts").status()) != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(user + " cannot log in on " + manager.base() + ": " + status);
            }
            Thread.sleep(1_000); // seldom enough that the log-in throttle never holds the name back for long
        }
    }

    /** How many times the manager ran the load balancer's reload command (each run appends a line). */
    private static int reloads(NodeProcess manager) throws Exception {
        Path file = manager.base().resolve("lb/reloads.txt");
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    private static void awaitReloads(NodeProcess manager, int atLeast) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (reloads(manager) < atLeast) {
            assertTrue(System.nanoTime() < deadline, manager.base() + " ran the reload " + reloads(manager)
                    + " times, not " + atLeast + ":\n" + manager.logTail());
            Thread.sleep(100);
        }
    }

    private static NodeProcess worker(ManagerCluster cluster, String name) {
        return cluster.workers.stream().filter(w -> w.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no worker " + name));
    }

    private static AvailabilityProbe probe(List<NodeProcess> workers) {
        AvailabilityProbe probe = new AvailabilityProbe();
        workers.forEach(worker -> PATHS.forEach(path -> probe.watch(worker, path)));
        return probe.start();
    }

    private static void awaitCreated(ManagementClient api, String path, String text) throws InterruptedException {
        ManagementClient.Response response = awaitStatus(api, path, text, 201);
        assertEquals(201, response.status(), response.body());
    }

    /** Repeats a PUT until it answers {@code status} (a new leader takes a moment), or the time is up. */
    private static ManagementClient.Response awaitStatus(ManagementClient api, String path, String text, int status)
            throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        ManagementClient.Response last = null;
        while (System.nanoTime() < deadline) {
            last = api.putBytes(path, text.getBytes(StandardCharsets.UTF_8));
            if (last.status() == status) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(path + " never answered " + status + "; last: " + last);
    }

    private static void awaitFolder(NodeProcess manager, Set<String> names) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        Set<String> seen = Set.of();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(manager.deployDir())) {
                seen = files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith("."))
                        .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            }
            if (seen.equals(names)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(manager.base() + "/deploy holds " + seen + ", not " + names);
    }

    private static void awaitText(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(file + " never held '" + text + "'");
    }

    private static void awaitEqual(String expected, Path file) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(file + " differs from the first manager's:\n" + expected + "\n---\n"
                + (Files.exists(file) ? Files.readString(file) : "(none)"));
    }

    /** Every "Deployed ..." line the workers logged: a redeploy would add lines. */
    private static List<String> deployLines(List<NodeProcess> workers) throws Exception {
        List<String> lines = new ArrayList<>();
        for (NodeProcess worker : workers) {
            for (String line : Files.readAllLines(worker.base().resolve("logs/carbide.log"))) {
                if (line.contains(" - Deployed ") || line.contains(" - Undeployed ")) {
                    lines.add(worker.base().getFileName() + ": " + line);
                }
            }
        }
        return lines;
    }

    private static void deleteTree(Path tree) throws Exception {
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
