package io.carbide.itests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.AvailabilityProbe;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running fleet (a manager and two workers) moves to a new cluster secret the way the README
 * tells an operator to, one node at a time and without a restart, while a client reads from both
 * workers ten times a second and every node's {@code /health} is watched for its members: no
 * request fails and no node ever sees fewer than all three. After the window, a node that still
 * holds only the old secret is refused and told that its secret was retired.
 */
class SecretRotationTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String OLD = "the secret this fleet was installed with, long and random\n";
    private static final String NEW = "the secret the fleet rotates to this quarter, long and random\n";
    private static final String THIRD = "the secret of the quarter after that, long and random as well\n";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private NodeProcess node(String name, String profile, String secret, String... options) throws IOException {
        List<String> all = new ArrayList<>(List.of("-Dnode=" + name));
        all.addAll(List.of(options));
        NodeProcess node = started.add(new NodeProcess(temp.resolve(name), profile, all.toArray(String[]::new)));
        Files.createDirectories(node.base().resolve("conf"));
        Files.writeString(node.base().resolve("conf/cluster.secret"), secret);
        return node;
    }

    @Test
    void theFleetMovesToANewSecretNodeByNodeWithoutAFailedRequestAndTheOldSecretIsThenRefused() throws Exception {
        NodeProcess manager = node("mgr", "manager", OLD);
        String wellKnown = "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]";
        NodeProcess w1 = node("w1", "worker", OLD, wellKnown);
        NodeProcess w2 = node("w2", "worker", OLD, wellKnown);
        List<NodeProcess> fleet = List.of(manager, w1, w2);
        for (NodeProcess node : fleet) {
            assertEquals(0, node.start().exitCode());
        }
        for (NodeProcess node : fleet) {
            node.awaitReady();
        }
        Artifacts.drop(Artifacts.helloSite(), manager.deployDir(), "hello-site.zip");
        w1.awaitHttp("/hello-site/", 200, null, CONVERGE);
        w2.awaitHttp("/hello-site/", 200, null, CONVERGE);
        String oldKey = secret(manager).get("keyId").getAsString();

        try (AvailabilityProbe clients = new AvailabilityProbe().watch(w1, "/hello-site/").watch(w2, "/hello-site/")
                .start(); ViewWatch views = new ViewWatch(fleet)) {
            // 1. the next secret beside the current one, node by node: each accepts both, all still seal with the old
            for (NodeProcess node : fleet) {
                Files.writeString(node.base().resolve("conf/cluster.secret.next"), NEW);
                Thread.sleep(3_000);
            }
            // 2. the fleet seals with the next secret by itself once every member holds it
            String newKey = null;
            for (NodeProcess node : fleet) {
                JsonObject secret = node.awaitStatus(s -> "next".equals(secretOf(s).get("sealingWith").getAsString())
                        && secretOf(s).getAsJsonArray("membersWithoutNext").isEmpty(), CONVERGE,
                        node.name() + " sealing with the next secret").getAsJsonObject("cluster").getAsJsonObject("secret");
                assertEquals(oldKey, secret.get("keyId").getAsString());
                newKey = secret.get("nextKeyId").getAsString();
            }
            assertFalse(oldKey.equals(newKey));
            // 3. the next secret moved into place, node by node: the window closes when the last node has
            for (NodeProcess node : fleet) {
                Files.move(node.base().resolve("conf/cluster.secret.next"), node.base().resolve("conf/cluster.secret"),
                        StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Thread.sleep(3_000);
            }
            for (NodeProcess node : fleet) {
                String expected = newKey;
                JsonObject secret = node.awaitStatus(s -> expected.equals(secretOf(s).get("keyId").getAsString()),
                        CONVERGE, node.name() + " holding only the new secret").getAsJsonObject("cluster")
                        .getAsJsonObject("secret");
                assertFalse(secret.has("nextKeyId"), secret.toString());
                assertEquals(oldKey, secret.getAsJsonArray("retiredKeyIds").get(0).getAsString());
            }
            // the fleet works on the new secret: a change still reaches both workers
            Artifacts.dropText("greeting=rotated\n", manager.deployDir(), "rotation.cfg");
            for (NodeProcess worker : List.of(w1, w2)) {
                worker.awaitStatus(s -> s.getAsJsonObject("deployment").get("artifacts").toString()
                        .contains("\"rotation.cfg\""), CONVERGE, "rotation.cfg on " + worker.name());
            }
            clients.runFor(Duration.ofSeconds(2));
            assertTrue(clients.requests() > 100, "the clients kept asking: " + clients.requests());
            assertEquals(List.of(), clients.failures(), "no client request failed during the rotation");
            assertEquals(List.of(), views.shortViews(), "no node ever saw fewer than all three members");
            assertTrue(views.samples() > 100, "the views were watched: " + views.samples());
            System.out.printf("secret rotation: %d client requests, 0 failed; %d views sampled, all of 3 members%n",
                    clients.requests(), views.samples());
        }

        // a second rotation, the way a tired operator does it: a worker killed (kill -9) and started again while only
        // it and the manager hold the next secret, and the manager's next secret moved into place before w2 has it
        try (AvailabilityProbe clients = new AvailabilityProbe().watch(w2, "/hello-site/").start()) {
            Files.writeString(manager.base().resolve("conf/cluster.secret.next"), THIRD);
            Files.writeString(w1.base().resolve("conf/cluster.secret.next"), THIRD);
            Thread.sleep(3_000);
            w1.kill();
            assertEquals(0, w1.start().exitCode());
            w1.awaitReady();
            awaitMembers(fleet, 3, "w1 back in the view, sealing with whatever w2 can read");
            Files.move(manager.base().resolve("conf/cluster.secret.next"), manager.base().resolve("conf/cluster.secret"),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            JsonObject waiting = manager.awaitStatus(s -> secretOf(s).has("retiringWhenAllHoldNext"), CONVERGE,
                    "the manager waiting to retire the secret w2 still needs");
            assertEquals(List.of("w2"), List.of(secretOf(waiting).getAsJsonArray("membersWithoutNext").get(0)
                    .getAsString()), waiting.toString());
            clients.runFor(Duration.ofSeconds(4));
            awaitMembers(fleet, 3, "nobody cut off by the early move");
            Files.writeString(w2.base().resolve("conf/cluster.secret.next"), THIRD);
            String third = manager.awaitStatus(s -> !secretOf(s).has("nextKeyId"), CONVERGE,
                    "the manager retiring the old secret once w2 holds the new one").getAsJsonObject("cluster")
                    .getAsJsonObject("secret").get("keyId").getAsString();
            for (NodeProcess worker : List.of(w1, w2)) {
                Files.move(worker.base().resolve("conf/cluster.secret.next"), worker.base().resolve("conf/cluster.secret"),
                        StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            for (NodeProcess node : fleet) {
                node.awaitStatus(s -> third.equals(secretOf(s).get("keyId").getAsString())
                        && !secretOf(s).has("nextKeyId"), CONVERGE, node.name() + " holding only the third secret");
            }
            Artifacts.dropText("greeting=again\n", manager.deployDir(), "rotation2.cfg");
            for (NodeProcess worker : List.of(w1, w2)) {
                worker.awaitStatus(s -> s.getAsJsonObject("deployment").get("artifacts").toString()
                        .contains("\"rotation2.cfg\""), CONVERGE, "rotation2.cfg on " + worker.name());
            }
            assertEquals(List.of(), clients.failures(), "w2 served throughout the second rotation");
            awaitMembers(fleet, 3, "all three after the second rotation");
        }

        // after the window, a node that still holds only the old secret is refused, and told it was retired
        NodeProcess late = node("late", "worker", OLD, wellKnown);
        assertEquals(0, late.start().exitCode());
        JsonObject refused = late.awaitStatus(s -> s.getAsJsonObject("cluster").get("state").getAsString()
                .equals("refused") && s.getAsJsonObject("cluster").get("problem").getAsString()
                .contains("retired in a rotation"), CONVERGE, "refused, told that its secret was retired");
        assertTrue(refused.getAsJsonObject("cluster").get("problem").getAsString().contains("current conf/cluster.secret"),
                refused.toString());
        assertFalse(NodeProcess.memberNames(manager.statusJson()).contains("late"));
        assertTrue(manager.logContains("sealed with a cluster secret this node retired in a rotation"), manager.logTail());
        for (NodeProcess node : fleet) {
            assertFalse(node.logContains("long and random"), "a secret never reaches a log");
        }
    }

    private static void awaitMembers(List<NodeProcess> fleet, int count, String what) {
        for (NodeProcess node : fleet) {
            node.awaitStatus(s -> NodeProcess.memberNames(s).size() == count, CONVERGE, what);
        }
    }

    private static JsonObject secretOf(JsonObject status) {
        return status.getAsJsonObject("cluster").getAsJsonObject("secret");
    }

    private static JsonObject secret(NodeProcess node) {
        return secretOf(node.statusJson());
    }

    /** Polls every node's {@code /health} and keeps each answer that lists fewer members than the fleet has. */
    private static final class ViewWatch implements AutoCloseable {
        private final List<NodeProcess> fleet;
        private final List<String> shortViews = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean running = true;
        private volatile int samples;

        ViewWatch(List<NodeProcess> fleet) {
            this.fleet = fleet;
            this.thread = new Thread(this::watch, "view-watch");
            thread.setDaemon(true);
            thread.start();
        }

        private void watch() {
            while (running) {
                for (NodeProcess node : fleet) {
                    try {
                        JsonArray members = JsonParser.parseString(node.get(node.clientPort(), "/health").body())
                                .getAsJsonObject().getAsJsonArray("members");
                        Set<String> names = new TreeSet<>();
                        for (JsonElement member : members) {
                            names.add(member.getAsString());
                        }
                        if (names.size() < fleet.size()) {
                            shortViews.add(System.currentTimeMillis() + " " + node.name() + " saw " + names);
                        }
                        samples++;
                    } catch (IOException | RuntimeException e) {
                        shortViews.add(System.currentTimeMillis() + " " + node.name() + ": " + e);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        List<String> shortViews() {
            synchronized (shortViews) {
                return List.copyOf(shortViews);
            }
        }

        int samples() {
            return samples;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }
    }
}
