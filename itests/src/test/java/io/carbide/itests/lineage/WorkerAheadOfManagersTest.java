package io.carbide.itests.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.CarbideCli;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.PortOffsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager brought back from an older copy of its data has lost changes its workers run. The
 * workers keep serving what they run and say why on /health, with the one command that makes them
 * take the manager's state; that command, naming the repository they already follow, then takes
 * its full state anew. Three ways the copy shows: an older term than the workers saw (the manager
 * restarted more than once since the copy), a lower revision, and the same revision number for
 * another change (the restored manager recorded new changes before the workers heard of it).
 * When only the manager's data/ comes back and its deploy folder records the same files again, the
 * workers take that state as it stands. Real processes, one manager and one worker throughout.
 */
class WorkerAheadOfManagersTest {

    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final String ADMIN_PASSWORD = "ahead-test-password";

    @TempDir
    Path temp;

    private NodeProcess mgr;
    private NodeProcess w1;

    @AfterEach
    void stopWhatWeStarted() {
        for (NodeProcess node : new NodeProcess[] {w1, mgr}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void aWorkerAheadOfItsManagerKeepsWhatItRunsUntilAnOperatorMovesIt() throws Exception {
        int offset = PortOffsets.free(1)[0];
        String wellKnown = "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + (4000 + offset) + "]";
        mgr = NodeProcess.withOffset(temp.resolve("mgr-1"), "manager", offset, "-Dnode=mgr-1", wellKnown)
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        w1 = new NodeProcess(temp.resolve("w-1"), "worker", "-Dnode=w-1", wellKnown);
        start(mgr);
        start(w1);
        Artifacts.drop(Artifacts.helloSite(), mgr.deployDir(), "hello-site.zip");
        w1.awaitHttp("/hello-site/", 200, null, CONVERGE);
        Files.createDirectories(temp.resolve("cli"));

        // an operator's copy of the manager at revision 1; since then a change, and two restarts
        Path first = copyOfManager("mgr-1 at revision 1");
        start(mgr);
        awaitTogether();
        Artifacts.drop(Artifacts.helloSite(), mgr.deployDir(), "later.zip");
        w1.awaitHttp("/later/", 200, null, CONVERGE);
        restartManager();

        // back from that copy, the manager is of an older term than w-1 saw: w-1 does not follow it
        restoreManager(first);
        w1.awaitStatus(s -> reason(s).startsWith("mgr-1 offers repository ") && reason(s).contains(" at term ")
                && reason(s).contains("this node has seen (it missed an election, or came back from an older copy")
                && reason(s).contains("bin/carbide adopt w-1 on that manager"), CONVERGE,
                "w-1 saying its manager is of an older term, not that it does not answer");
        assertEquals(200, w1.get(w1.clientPort(), "/later/").statusCode(), "w-1 keeps what it runs");
        adoptAndAwaitInSync(" at term ");
        w1.awaitHttp("/later/", 404, null, CONVERGE);
        assertEquals(200, w1.get(w1.clientPort(), "/hello-site/").statusCode());

        // another copy at revision 1; since then a change and one restart, so the terms match again
        Path second = copyOfManager("mgr-1 at revision 1, again");
        start(mgr);
        awaitTogether();
        Artifacts.drop(Artifacts.helloSite(), mgr.deployDir(), "other.zip");
        w1.awaitHttp("/other/", 200, null, CONVERGE);

        // back from that copy, the manager is behind w-1
        restoreManager(second);
        w1.awaitStatus(s -> reason(s).startsWith("mgr-1 offers revision 1 of repository ")
                && reason(s).contains("bin/carbide adopt w-1 on that manager"), CONVERGE,
                "w-1 saying its manager is behind it, not that it does not answer");

        // the manager records a change as revision 2, the number of w-1's lost one: w-1 is not fooled
        Artifacts.drop(Artifacts.helloSite(), mgr.deployDir(), "third.zip");
        w1.awaitStatus(s -> reason(s).contains("whose change at revision 2 is not the one this node applied")
                && reason(s).contains("bin/carbide adopt w-1 on that manager"), CONVERGE,
                "w-1 saying its manager recorded another change at its revision");
        assertEquals(200, w1.get(w1.clientPort(), "/other/").statusCode(), "w-1 keeps what it runs");
        assertEquals(404, w1.get(w1.clientPort(), "/third/").statusCode(), "and applies nothing of the other history");

        // the operator decides: w-1 takes the manager's state, and drops what it lacks
        adoptAndAwaitInSync("is not the one this node applied");
        w1.awaitHttp("/other/", 404, null, CONVERGE);
        w1.awaitHttp("/third/", 200, null, CONVERGE);
        assertTrue(w1.logContains("Node w-1 takes the full state of repository "), w1.logTail());

        // only the manager's data/ comes back from that copy; its deploy/ records third.zip again, as
        // another change under the same revision number, but holding exactly what w-1 runs: w-1
        // takes it as it stands, with no operator
        assertEquals(0, mgr.stop().exitCode());
        Files.move(mgr.base().resolve("data"), temp.resolve("lost data, deploy kept"));
        copyTree(second.resolve("data"), mgr.base().resolve("data"));
        start(mgr);
        w1.awaitStatus(s -> s.get("ready").getAsBoolean() && w1.logContains("Node w-1 takes revision 2 of repository ")
                && w1.logContains("as it stands"), CONVERGE, "w-1 taking the same state as it stands");
        new ManagementClient(mgr, "admin", ADMIN_PASSWORD).await("/api/cluster", c -> "in-sync".equals(sync(c)),
                CONVERGE, "w-1 in sync with mgr-1 with no adopt");
        assertEquals(200, w1.get(w1.clientPort(), "/third/").statusCode());
        assertFalse(w1.logContains("Stopped serving web application third"), "nothing was undeployed:\n" + w1.logTail());
    }

    /** The manager stopped, its data and deploy folder copied aside. */
    private Path copyOfManager(String name) throws IOException {
        assertEquals(0, mgr.stop().exitCode());
        Path copy = temp.resolve(name);
        for (String folder : new String[] {"data", "deploy"}) {
            copyTree(mgr.base().resolve(folder), copy.resolve(folder));
        }
        return copy;
    }

    /** The manager stopped and started from {@code copy}; what it held is moved aside. */
    private void restoreManager(Path copy) throws IOException {
        assertEquals(0, mgr.stop().exitCode());
        for (String folder : new String[] {"data", "deploy"}) {
            Files.move(mgr.base().resolve(folder), temp.resolve("lost " + folder + " before " + copy.getFileName()));
            copyTree(copy.resolve(folder), mgr.base().resolve(folder));
        }
        start(mgr);
    }

    /** A restart: the managers elect anew, and w-1 learns the later term from its announcements. */
    private void restartManager() {
        assertEquals(0, mgr.stop().exitCode());
        start(mgr);
        awaitTogether();
        long managers = mgr.statusJson().getAsJsonObject("repository").get("term").getAsLong();
        w1.awaitStatus(s -> s.getAsJsonObject("deployment").get("term").getAsLong() == managers, CONVERGE,
                "w-1 at the managers' term " + managers);
    }

    /**
     * The manager's API and bin/carbide nodes show w-1 ahead, in its own words; then bin/carbide
     * adopt w-1 on the manager, and w-1 in sync with it.
     */
    private void adoptAndAwaitInSync(String words) throws Exception {
        ManagementClient api = new ManagementClient(mgr, "admin", ADMIN_PASSWORD);
        api.await("/api/cluster", c -> "ahead".equals(sync(c)) && ManagementClient.member(c, "w-1")
                .get("lostChanges").getAsString().contains(words) && ManagementClient.member(c, "w-1").get("behind")
                .isJsonNull(), CONVERGE, "mgr-1 showing w-1 ahead of it, and not behind");
        Map<String, String> password = Map.of("CARBIDE_PASSWORD", ADMIN_PASSWORD);
        CarbideCli.Run nodes = CarbideCli.run(temp.resolve("cli"), password, "nodes", "--base=" + mgr.base());
        assertTrue(nodes.out().contains("w-1 runs changes its managers lost: ")
                && nodes.out().contains("bin/carbide adopt w-1 on that manager"), nodes.all());
        CarbideCli.Run adopt = CarbideCli.run(temp.resolve("cli"), password, "adopt", "w-1", "--base=" + mgr.base());
        assertEquals(0, adopt.exitCode(), adopt.all());
        api.await("/api/cluster", c -> "in-sync".equals(sync(c)), CONVERGE, "w-1 in sync with mgr-1 again");
    }

    private static String reason(JsonObject status) {
        return status.get("reason").getAsString();
    }

    private static void start(NodeProcess node) {
        assertEquals(0, node.start().exitCode(), node.logTail());
        node.awaitReady();
    }

    /** A restarted manager and a worker left alone find each other again (a merge, some seconds). */
    private void awaitTogether() {
        w1.awaitStatus(s -> NodeProcess.memberNames(s).contains("mgr-1"), CONVERGE, "w-1 and mgr-1 together");
    }

    /** w-1's sync state as the manager's API gives it. */
    private static String sync(JsonObject cluster) {
        return ManagementClient.member(cluster, "w-1").get("sync").getAsString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.copy(path, to.resolve(from.relativize(path).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
