package io.carbide.itests.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite: the managers' leader killed with kill -9 at a random moment while small uploads
 * stream through another manager, {@value #DEFAULT_TRIALS} times (-Dcarbide.faults.trials=N). After
 * each kill the dead manager restarts. Counted: uploads acknowledged (201), acknowledged uploads
 * missing once everything has recovered (lost: must be 0), artifacts gone from a worker without a
 * delete (spurious removals: must be 0), and trials that converged. The figures go to
 * {@code itests/target/reliability/leader-kill.md}; {@code docs/reliability.md} keeps a run's.
 */
class LeaderKillFaultTest {

    /** In every full run; longer runs (-Dcarbide.faults.trials=100) are in docs/reliability.md. */
    private static final int DEFAULT_TRIALS = 10;
    private static final int UPLOADS_PER_TRIAL = 12;
    private static final Duration CONVERGE = ManagerCluster.CONVERGE;

    /** Kept when the suite fails: the nodes' logs say why a trial did not converge. */
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path temp;

    @Test
    void killingTheLeaderAtARandomMomentLosesNoAcknowledgedUpload() throws Exception {
        int trials = Integer.getInteger("carbide.faults.trials", DEFAULT_TRIALS);
        long seed = Long.getLong("carbide.faults.seed", System.nanoTime());
        Random random = new Random(seed);
        List<String> rows = new ArrayList<>();
        Set<String> acknowledged = new TreeSet<>();
        int lost = 0;
        int spurious = 0;
        int converged = 0;
        int offered = 0;
        StringBuilder lagging = new StringBuilder();
        try (ManagerCluster cluster = new ManagerCluster(temp, 3, 2, null)) {
            cluster.startAll();
            for (int trial = 1; trial <= trials; trial++) {
                NodeProcess leader = cluster.leader(cluster.managers);
                NodeProcess writer = cluster.managers.stream().filter(m -> m != leader).findFirst().orElseThrow();
                List<String> acked = Collections.synchronizedList(new ArrayList<>());
                int number = trial;
                Thread uploads = new Thread(() -> upload(writer, number, acked), "uploads-" + trial);
                int killAt = random.nextInt(700);
                long began = System.nanoTime();
                uploads.start();
                Thread.sleep(killAt);
                leader.kill();
                uploads.join(CONVERGE.toMillis());
                assertEquals(0, leader.start().exitCode());
                leader.awaitReady();
                offered += UPLOADS_PER_TRIAL;
                acknowledged.addAll(acked);
                boolean ok = awaitConverged(cluster, acknowledged);
                converged += ok ? 1 : 0;
                if (!ok) { // what the nodes were doing, for the report: a run on CI leaves nothing else behind
                    for (NodeProcess manager : cluster.managers) {
                        lagging.append(blockedThreads(manager, trial));
                    }
                    for (NodeProcess node : cluster.workers) {
                        Set<String> missing = new TreeSet<>(acknowledged);
                        missing.removeAll(ManagerCluster.deployed(node));
                        if (!missing.isEmpty()) {
                            lagging.append("\ntrial ").append(trial).append(": ").append(node.base().getFileName())
                                    .append(" lacks ").append(missing).append("; its log ends:\n").append(node.logTail())
                                    .append(blockedThreads(node, trial));
                        }
                    }
                }
                Set<String> held = names(cluster.managers.get(0));
                int lostNow = (int) acknowledged.stream().filter(n -> !held.contains(n)).count();
                int spuriousNow = 0;
                for (NodeProcess worker : cluster.workers) {
                    Set<String> deployed = ManagerCluster.deployed(worker);
                    spuriousNow += (int) acknowledged.stream().filter(n -> !deployed.contains(n)).count();
                }
                lost += lostNow;
                spurious += spuriousNow;
                rows.add(String.format("| %d | %s | %d ms | %d of %d | %d | %d | %s | %.1f s |", trial,
                        leader.base().getFileName(), killAt, acked.size(), UPLOADS_PER_TRIAL, lostNow, spuriousNow,
                        ok ? "yes" : "no", (System.nanoTime() - began) / 1e9));
            }
        }
        String report = "# Leader kill -9 during uploads\n\n"
                + "3 managers, 2 workers; per trial " + UPLOADS_PER_TRIAL + " uploads through a manager that is not the "
                + "leader, the leader killed at a random moment, then restarted. Seed " + seed + ".\n\n"
                + "| trials | uploads | acknowledged | lost | spurious removals | converged |\n| --- | --- | --- | --- | --- | --- |\n"
                + "| " + trials + " | " + offered + " | " + acknowledged.size() + " | " + lost + " | " + spurious + " | "
                + converged + " / " + trials + " |\n\n"
                + "| trial | leader killed | at | acknowledged | lost | spurious | converged | trial time |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- |\n" + String.join("\n", rows) + "\n";
        Path out = Path.of("target/reliability/leader-kill.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
        assertEquals(0, lost, "acknowledged uploads lost\n" + report);
        assertEquals(0, spurious, "artifacts removed from a worker without a delete\n" + report + lagging);
        assertEquals(trials, converged, "trials that did not converge\n" + report + lagging);
    }

    /**
     * The node's threads that wait for a lock (jcmd Thread.print), with their stacks, and its
     * deployment thread (what a worker that does not catch up is doing); the whole dump goes to
     * target/reliability.
     */
    private static String blockedThreads(NodeProcess node, int trial) {
        try {
            String dump = node.jcmd("Thread.print");
            Path file = Path.of("target/reliability/leader-kill-trial" + trial + "-" + node.base().getFileName()
                    + "-threads.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, dump);
            StringBuilder blocked = new StringBuilder();
            for (String thread : dump.split("\n\n")) {
                if (thread.contains("java.lang.Thread.State: BLOCKED") || thread.startsWith("\"carbide-deployment\"")) {
                    int lines = thread.startsWith("\"carbide-deployment\"") ? 40 : 14; // what it is doing lies deep
                    blocked.append("\n").append(thread.lines().limit(lines)
                            .collect(java.util.stream.Collectors.joining("\n")));
                }
            }
            return blocked.isEmpty() ? "" : "\ntrial " + trial + ": threads of " + node.base().getFileName()
                    + " (whole dump in " + file + "):" + blocked;
        } catch (IOException | IllegalStateException e) {
            return "";
        }
    }

    /** A bounded stream of small uploads; each is tried once, and counts only when acknowledged (201). */
    private static void upload(NodeProcess writer, int trial, List<String> acked) {
        ManagementClient api = ManagerCluster.api(writer);
        for (int i = 0; i < UPLOADS_PER_TRIAL; i++) {
            String name = String.format("t%02d-%02d.cfg", trial, i);
            try {
                ManagementClient.Response response = api.putBytes("/api/artifacts/" + name,
                        ("trial = " + trial + "\nupload = " + i + "\n").getBytes(StandardCharsets.UTF_8));
                if (response.status() == 201) {
                    acked.add(name);
                }
                Thread.sleep(40);
            } catch (AssertionError | InterruptedException unanswered) {
                // a request cut off counts as not acknowledged
            }
        }
    }

    private static boolean awaitConverged(ManagerCluster cluster, Set<String> acknowledged) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (NodeProcess manager : cluster.managers) {
                all &= names(manager).containsAll(acknowledged);
            }
            for (NodeProcess worker : cluster.workers) {
                all &= ManagerCluster.deployed(worker).containsAll(acknowledged);
            }
            if (all) {
                return true;
            }
            Thread.sleep(250);
        }
        return false;
    }

    private static Set<String> names(NodeProcess manager) {
        Set<String> names = new TreeSet<>();
        try {
            manager.statusJson().getAsJsonObject("repository").getAsJsonArray("artifacts")
                    .forEach(a -> names.add(a.getAsJsonObject().get("name").getAsString()));
        } catch (RuntimeException starting) {
            // no status yet
        }
        return names;
    }
}
