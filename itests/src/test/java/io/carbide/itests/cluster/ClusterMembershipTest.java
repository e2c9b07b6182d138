package io.carbide.itests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster of separate JVMs started from the distribution's scripts on 127.0.0.1: two
 * managers and two workers find each other through the first manager as well-known member.
 */
class ClusterMembershipTest {

    private static final String ADMIN_PASSWORD = "cluster-test-admin";

    @TempDir
    Path temp;


    private static Set<String> pingedNames(NodeProcess manager, String subDomain) throws Exception {
        ManagementClient.Response response = new ManagementClient(manager, "admin", ADMIN_PASSWORD)
                .get("/api/cluster/ping?subDomain=" + subDomain + "&waitMs=1500");
        assertEquals(200, response.status(), response.body());
        Set<String> names = new TreeSet<>();
        JsonArray replies = response.json().getAsJsonArray("replies");
        replies.forEach(r -> names.add(r.getAsJsonObject().get("member").getAsString()));
        return names;
    }

    private static String string(JsonObject object, String key) {
        return object == null || !object.has(key) || object.get(key).isJsonNull() ? null : object.get(key).getAsString();
    }

    @Test
    void managersAndWorkersFormOneViewAndMessagesRespectSubDomains() throws Exception {
        NodeProcess manager = new NodeProcess(temp.resolve("mgr-1"), "manager", "-Dnode=mgr-1")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        String wellKnown = "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]";
        NodeProcess manager2 = new NodeProcess(temp.resolve("mgr-2"), "manager", "-Dnode=mgr-2", wellKnown)
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        NodeProcess worker1 = new NodeProcess(temp.resolve("w-1"), "worker", "-Dnode=w-1", wellKnown);
        NodeProcess worker2 = new NodeProcess(temp.resolve("w-2"), "worker", "-Dnode=w-2", wellKnown);
        List<NodeProcess> all = List.of(manager, manager2, worker1, worker2);
        try {
            for (NodeProcess node : all) {
                assertEquals(0, node.start().exitCode());
            }
            Set<String> everyone = Set.of("mgr-1", "mgr-2", "w-1", "w-2");
            for (NodeProcess node : all) {
                JsonObject status = node.awaitStatus(s -> NodeProcess.memberNames(s).equals(everyone),
                        Duration.ofSeconds(60), "a view of all four nodes");
                JsonObject cluster = status.getAsJsonObject("cluster");
                assertEquals("carbide", cluster.get("domain").getAsString());
                assertEquals("[\"mgt\"]", ManagementClient.member(cluster, "mgr-2").get("subDomains").toString());
                assertEquals("[\"worker\"]", ManagementClient.member(cluster, "w-1").get("subDomains").toString());
            }
            // the oldest manager is the authority of a new cluster, and the workers follow its repository
            manager.awaitStatus(s -> s.getAsJsonObject("replication").get("authority").getAsBoolean(),
                    Duration.ofSeconds(30), "mgr-1 the authority");
            manager2.awaitStatus(s -> "mgr-1".equals(s.getAsJsonObject("replication").get("authorityNode").getAsString())
                    && !s.getAsJsonObject("replication").get("authority").getAsBoolean(), Duration.ofSeconds(30),
                    "mgr-2 names mgr-1 the authority");
            JsonObject health = worker1.awaitStatus(s -> "mgr-1".equals(string(s.getAsJsonObject("deployment"), "source")),
                    Duration.ofSeconds(30), "w-1 following mgr-1");
            JsonObject healthJson = JsonParser.parseString(worker1.get(worker1.clientPort(), "/health").body())
                    .getAsJsonObject();
            assertEquals(4, healthJson.getAsJsonArray("members").size(), healthJson.toString());
            assertEquals("mgr-1", healthJson.get("source").getAsString(), healthJson.toString());
            assertEquals(manager.statusJson().getAsJsonObject("repository").get("id").getAsString(),
                    health.getAsJsonObject("deployment").get("repositoryId").getAsString(), "w-1 follows mgr-1's repository");

            assertEquals(Set.of("w-1", "w-2"), pingedNames(manager, "worker"), "worker sub-domain: workers only");
            assertEquals(Set.of("mgr-2"), pingedNames(manager, "mgt"), "mgt sub-domain: the other manager only");

            // garbage on a worker's cluster port: connection dropped, node unharmed
            byte[] garbage = new byte[4096];
            new Random(42).nextBytes(garbage);
            for (int i = 0; i < 3; i++) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), worker1.clusterPort());
                     OutputStream out = socket.getOutputStream()) {
                    out.write(garbage);
                    out.flush();
                } catch (java.io.IOException closedByTheNode) {
                    // the node may cut us off mid-write; that is the point
                }
            }
            Thread.sleep(1000);
            assertEquals(Set.of("w-1", "w-2"), pingedNames(manager, "worker"), "w-1 still answers after garbage");
            assertEquals(200, worker1.get(worker1.clientPort(), "/health").statusCode());

            // a worker killed with kill -9 leaves every view within the failure-detection bound
            long killedAt = System.nanoTime();
            worker2.kill();
            for (NodeProcess node : List.of(manager, manager2, worker1)) {
                node.awaitStatus(s -> NodeProcess.memberNames(s).equals(Set.of("mgr-1", "mgr-2", "w-1")),
                        Duration.ofSeconds(15),
                        "w-2 gone from the view");
            }
            long seconds = (System.nanoTime() - killedAt) / 1_000_000_000L;
            assertTrue(seconds < 15, "left the views in " + seconds + " s");
            assertTrue(manager.logContains("Cluster domain carbide: 3 members [mgr-1 (mgt), mgr-2 (mgt), w-1 (worker)]"),
                    manager.logTail());
        } finally {
            List<Throwable> failures = new ArrayList<>();
            for (NodeProcess node : all) {
                try {
                    node.close();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            assertTrue(failures.isEmpty(), failures.toString());
        }
    }
}
