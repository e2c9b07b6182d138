package io.carbide.itests.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.AvailabilityProbe;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NetworkLab;
import io.carbide.itests.support.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real partitions between hosts of the test's own (network namespaces, {@link NetworkLab}): three
 * managers split 2|1 with a worker on each side. The minority refuses changes with the quorum
 * named while its worker keeps serving; the majority commits; after the heal every manager and
 * worker holds every acknowledged change. Then the leader's link goes down (a new leader takes
 * over), and a one-way cut (a manager that can send but not hear) changes nothing that counts.
 */
class ManagerPartitionTest {

    private static final Duration CONVERGE = Duration.ofSeconds(90);

    @TempDir
    Path temp;

    @Test
    void aMinorityRefusesChangesWhileTheMajorityCommitsAndNothingAcknowledgedIsLost() throws Exception {
        assumeTrue(NetworkLab.available(), "partitions need root, iproute2 and nftables (apt-get install -y nftables)");
        try (NetworkLab lab = new NetworkLab(); ManagerCluster cluster = new ManagerCluster(temp, 3, 2, lab)) {
            cluster.startAll();
            NodeProcess mgr1 = cluster.manager("mgr-1");
            NodeProcess mgr2 = cluster.manager("mgr-2");
            NodeProcess mgr3 = cluster.manager("mgr-3");
            NodeProcess w1 = cluster.workers.get(0);
            NodeProcess w2 = cluster.workers.get(1);
            List<String> acknowledged = new ArrayList<>();
            assertEquals(201, ManagerCluster.api(mgr1).putFile("/api/artifacts/hello-site.zip", Artifacts.helloSite())
                    .status());
            for (NodeProcess worker : cluster.workers) {
                worker.awaitHttp("/hello-site/", 200, null, CONVERGE);
            }

            // 2|1: mgr-1, mgr-2 and w-1 on one side; mgr-3 and w-2 on the other; silent drops both ways
            List<NetworkLab.Host> majority = hosts(lab, cluster, "m1", "m2", "w1");
            List<NetworkLab.Host> minority = hosts(lab, cluster, "m3", "w2");
            try (AvailabilityProbe probe = new AvailabilityProbe().watch(w1, "/hello-site/").watch(w1, "/health")
                    .watch(w2, "/hello-site/").watch(w2, "/health").start()) {
                lab.cut(majority, minority, true);
                mgr3.awaitStatus(s -> !s.getAsJsonObject("managers").get("quorum").getAsBoolean(), CONVERGE,
                        "mgr-3 without a quorum");
                ManagementClient.Response refused = ManagerCluster.api(mgr3).putBytes("/api/artifacts/minority.cfg",
                        bytes("side = minority\n"));
                assertEquals(503, refused.status(), refused.body());
                assertTrue(refused.error().startsWith("no quorum: 1 of 3 managers reachable"), refused.body());
                put(mgr1, "majority.cfg", "side = majority\n", acknowledged);
                w1.awaitStatus(s -> ManagerCluster.deployed(w1).contains("majority.cfg"), CONVERGE, "the majority's change");
                assertEquals(List.of(), probe.failures(), "the workers stopped serving in the partition, of "
                        + probe.requests());
            }

            // healed: everyone converges on every acknowledged change, and nothing else
            lab.heal();
            awaitEverywhere(cluster, acknowledged);

            // the leader's link goes down: the other two elect a new one and take changes
            NodeProcess leader = cluster.leader(cluster.managers);
            List<NodeProcess> others = new ArrayList<>(cluster.managers);
            others.remove(leader);
            lab.linkDown(hosts(lab, cluster, host(cluster, leader)).get(0));
            NodeProcess next = others.get(0);
            next.awaitStatus(s -> ManagerCluster.leader(s).filter(l -> !l.equals(leader.base().getFileName().toString()))
                    .isPresent(), CONVERGE, "a new leader without " + leader.base().getFileName());
            put(next, "new-leader.cfg", "leader = new\n", acknowledged);
            lab.heal();
            awaitEverywhere(cluster, acknowledged);

            // one way: mgr-2 can send but hears no one. The majority should still commit with each other,
            // but under load it sometimes cannot while the cut lasts (a known gap, docs/reliability.md): what
            // must hold is that nothing is acknowledged and then lost, and that commits resume once it heals
            lab.cut(hosts(lab, cluster, "m1", "m3", "w1", "w2"), hosts(lab, cluster, "m2"), false);
            NodeProcess writer = mgr1;
            boolean duringCut = tryPut(writer, "one-way.cfg", "cut = one way\n", acknowledged, CONVERGE);
            lab.heal();
            if (!duringCut) {
                System.out.println("the majority did not commit during the one-way cut; it did once healed");
                put(writer, "one-way.cfg", "cut = one way\n", acknowledged);
            }
            awaitEverywhere(cluster, acknowledged);
        }
    }

    private static String host(ManagerCluster cluster, NodeProcess manager) {
        return "m" + (cluster.managers.indexOf(manager) + 1);
    }

    private static List<NetworkLab.Host> hosts(NetworkLab lab, ManagerCluster cluster, String... names) {
        List<NetworkLab.Host> hosts = new ArrayList<>();
        for (String name : names) {
            NodeProcess node = name.startsWith("m") ? cluster.managers.get(Integer.parseInt(name.substring(1)) - 1)
                    : cluster.workers.get(Integer.parseInt(name.substring(1)) - 1);
            hosts.add(lab.hostOf(node.host()));
        }
        return hosts;
    }

    /**
     * An upload that must be acknowledged (201), retried while a leader is being elected. Given twice
     * the usual time: a commit that times out takes 30 s of it, and under a one-way cut the silenced
     * manager's elections can unseat the majority's leader more than once before it settles (seen
     * once in a full run on 2 busy cores).
     */
    private static void put(NodeProcess manager, String name, String text, List<String> acknowledged)
            throws InterruptedException {
        if (!tryPut(manager, name, text, acknowledged, CONVERGE.multipliedBy(2))) {
            throw new AssertionError("the majority never took " + name + "\n" + manager.logTail());
        }
    }

    /**
     * Tries the upload until it is acknowledged or the time is up; anything but 201 must be a clear
     * refusal (503 with the quorum named), never a change half taken.
     */
    private static boolean tryPut(NodeProcess manager, String name, String text, List<String> acknowledged,
            Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            ManagementClient.Response last = ManagerCluster.api(manager).putBytes("/api/artifacts/" + name, bytes(text));
            if (last.status() == 201) {
                acknowledged.add(name);
                return true;
            }
            assertEquals(503, last.status(), "a change not taken is refused, with the reason: " + last.body());
            Thread.sleep(250);
        }
        return false;
    }

    /** Every manager's repository and every worker hold every acknowledged change. */
    private static void awaitEverywhere(ManagerCluster cluster, List<String> acknowledged) {
        for (NodeProcess manager : cluster.managers) {
            manager.awaitStatus(s -> names(s.getAsJsonObject("repository").getAsJsonArray("artifacts"))
                    .containsAll(acknowledged), CONVERGE, "every acknowledged change " + acknowledged);
        }
        for (NodeProcess worker : cluster.workers) {
            worker.awaitStatus(s -> ManagerCluster.deployed(worker).containsAll(acknowledged)
                    && !ManagerCluster.deployed(worker).contains("minority.cfg"), CONVERGE,
                    "every acknowledged change deployed, and the refused one not");
        }
    }

    private static List<String> names(com.google.gson.JsonArray artifacts) {
        List<String> names = new ArrayList<>();
        artifacts.forEach(a -> names.add(a.getAsJsonObject().get("name").getAsString()));
        return names;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
