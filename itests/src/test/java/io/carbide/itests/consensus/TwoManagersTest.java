package io.carbide.itests.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.AvailabilityProbe;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two managers are a second copy, not more availability: a majority of two is two, so with one
 * stopped, changes are refused with the quorum named, a file dropped into deploy/ waits there
 * unrecorded, and the workers keep serving; once it is back, changes are taken again and the file
 * that waited is recorded and deployed.
 */
class TwoManagersTest {

    @TempDir
    Path temp;

    @Test
    void withOneOfTwoManagersStoppedChangesAreRefusedAndWorkersKeepServing() throws Exception {
        try (ManagerCluster cluster = new ManagerCluster(temp, 2, 1, null)) {
            cluster.startAll();
            NodeProcess mgr1 = cluster.manager("mgr-1");
            NodeProcess mgr2 = cluster.manager("mgr-2");
            NodeProcess worker = cluster.workers.get(0);
            assertEquals(201, ManagerCluster.api(mgr1).putFile("/api/artifacts/hello-site.zip", Artifacts.helloSite())
                    .status());
            worker.awaitHttp("/hello-site/", 200, null, ManagerCluster.CONVERGE);

            try (AvailabilityProbe probe = new AvailabilityProbe().watch(worker, "/hello-site/").watch(worker, "/health")
                    .start()) {
                assertEquals(0, mgr2.stop().exitCode());
                mgr1.awaitStatus(s -> !s.getAsJsonObject("managers").get("quorum").getAsBoolean(), ManagerCluster.CONVERGE,
                        "mgr-1 without a quorum");
                ManagementClient.Response refused = ManagerCluster.api(mgr1).putBytes("/api/artifacts/alone.cfg",
                        "alone = yes\n".getBytes(StandardCharsets.UTF_8));
                assertEquals(503, refused.status(), refused.body());
                assertTrue(refused.error().startsWith("no quorum: 1 of 2 managers reachable (mgr-1); changes are refused "
                        + "until a majority is back"), refused.error());
                // a file dropped meanwhile waits in deploy/, unrecorded, for the majority to come back
                long revision = ManagerCluster.revision(mgr1);
                Files.writeString(mgr1.deployDir().resolve(".waited.cfg.tmp"), "waited = yes\n");
                Files.move(mgr1.deployDir().resolve(".waited.cfg.tmp"), mgr1.deployDir().resolve("waited.cfg"),
                        StandardCopyOption.ATOMIC_MOVE);
                probe.runFor(Duration.ofSeconds(2));
                assertEquals(revision, ManagerCluster.revision(mgr1), "nothing recorded without a quorum");
                assertTrue(Files.exists(mgr1.deployDir().resolve("waited.cfg")), "the dropped file is still there");
                assertEquals(List.of(), probe.failures(), "the worker kept serving, of " + probe.requests());
            }

            assertEquals(0, mgr2.start().exitCode());
            mgr2.awaitReady();
            mgr1.awaitStatus(s -> s.getAsJsonObject("managers").get("quorum").getAsBoolean(), ManagerCluster.CONVERGE,
                    "the quorum back");
            long deadline = System.nanoTime() + ManagerCluster.CONVERGE.toNanos();
            int status = 0;
            while (status != 201 && System.nanoTime() < deadline) {
                status = ManagerCluster.api(mgr1).putBytes("/api/artifacts/together.cfg",
                        "together = yes\n".getBytes(StandardCharsets.UTF_8)).status();
                Thread.sleep(200);
            }
            assertEquals(201, status, "changes are taken again");
            worker.awaitStatus(s -> ManagerCluster.deployed(worker).containsAll(List.of("together.cfg", "waited.cfg")),
                    ManagerCluster.CONVERGE, "the change and the file that waited, deployed");
            assertTrue(mgr1.logContains("waited.cfg dropped in") && mgr1.logContains("waits to be recorded"), mgr1.logTail());
        }
    }
}
