package io.carbide.itests.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * its full state anew. Real processes.
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

        // an operator's copy of the manager at revision 1
        assertEquals(0, mgr.stop().exitCode());
        Path copy = temp.resolve("mgr-1 at revision 1");
        for (String folder : new String[] {"data", "deploy"}) {
            copyTree(mgr.base().resolve(folder), copy.resolve(folder));
        }
        start(mgr);
        awaitTogether();
        Artifacts.drop(Artifacts.helloSite(), mgr.deployDir(), "later.zip");
        w1.awaitHttp("/later/", 200, null, CONVERGE);

        // the manager comes back from that copy: revision 2, which the worker runs, is lost
        assertEquals(0, mgr.stop().exitCode());
        for (String folder : new String[] {"data", "deploy"}) {
            Files.move(mgr.base().resolve(folder), temp.resolve("lost " + folder));
            copyTree(copy.resolve(folder), mgr.base().resolve(folder));
        }
        start(mgr);
        w1.awaitStatus(s -> s.get("reason").getAsString().startsWith("mgr-1 offers revision 1 of repository ")
                && s.get("reason").getAsString().contains("bin/carbide adopt w-1 on that manager"), CONVERGE,
                "w-1 saying its manager is behind it, not that it does not answer");
        assertEquals(200, w1.get(w1.clientPort(), "/later/").statusCode(), "w-1 keeps what it runs");
        ManagementClient api = new ManagementClient(mgr, "admin", ADMIN_PASSWORD);
        Files.createDirectories(temp.resolve("cli"));
        Map<String, String> password = Map.of("CARBIDE_PASSWORD", ADMIN_PASSWORD);

        // the operator decides: w-1 takes the manager's state, and drops what it lacks
        CarbideCli.Run adopt = CarbideCli.run(temp.resolve("cli"), password, "adopt", "w-1", "--base=" + mgr.base());
        assertEquals(0, adopt.exitCode(), adopt.all());
        w1.awaitHttp("/later/", 404, null, CONVERGE);
        api.await("/api/cluster", c -> "in-sync".equals(sync(c)), CONVERGE, "w-1 in sync with mgr-1 again");
        assertEquals(200, w1.get(w1.clientPort(), "/hello-site/").statusCode());
        assertTrue(w1.logContains("Node w-1 takes the full state of repository "), w1.logTail());
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
