package io.carbide.itests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.NetworkLab;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.PortOffsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped multicast stack ({@code carbide.cluster.stack=udp}), on hosts of the test's own
 * (network namespaces on a bridge, {@link NetworkLab}), so multicast never touches this machine's
 * interfaces: a manager and two workers find each other without well-known members and deploy
 * over it; a node with another secret on the same group is refused and says why.
 */
class MulticastDiscoveryTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @Test
    void nodesFindEachOtherByMulticastAndAStrangerOnTheGroupIsRefused() throws Exception {
        assumeTrue(NetworkLab.available(), "the lab needs root, iproute2 and nftables (apt-get install -y nftables)");
        List<NodeProcess> nodes = new ArrayList<>();
        try (NetworkLab lab = new NetworkLab()) {
            int[] offsets = PortOffsets.free(4);
            NodeProcess manager = multicastNode(lab, "mgr", "manager", offsets[0], nodes);
            NodeProcess w1 = multicastNode(lab, "w-1", "worker", offsets[1], nodes);
            NodeProcess w2 = multicastNode(lab, "w-2", "worker", offsets[2], nodes);
            NodeProcess stranger = multicastNode(lab, "stranger", "worker", offsets[3], nodes)
                    .withEnvironment("CARBIDE_CLUSTER_SECRET", "the secret of another domain on the same group");
            for (NodeProcess node : List.of(manager, w1, w2)) {
                assertEquals(0, node.start().exitCode(), node.logTail());
            }
            for (NodeProcess node : List.of(manager, w1, w2)) {
                node.awaitStatus(s -> NodeProcess.memberNames(s).equals(Set.of("mgr", "w-1", "w-2")), CONVERGE,
                        "all three by multicast");
            }
            Artifacts.drop(Artifacts.helloSite(), manager.deployDir(), "hello-site.zip");
            w1.awaitHttp("/hello-site/", 200, null, CONVERGE);
            w2.awaitHttp("/hello-site/", 200, null, CONVERGE);

            assertEquals(0, stranger.start().exitCode(), stranger.logTail());
            JsonObject refused = stranger.awaitStatus(s -> "refused".equals(s.getAsJsonObject("cluster").get("state")
                    .getAsString()), CONVERGE, "the stranger refused");
            String reason = refused.getAsJsonObject("cluster").get("problem").getAsString();
            assertTrue(reason.contains("wrong secret"), reason);
            JsonObject health = JsonParser.parseString(stranger.get(stranger.clientPort(), "/health").body())
                    .getAsJsonObject();
            assertEquals("refused", health.get("state").getAsString(), health.toString());
            assertEquals(Set.of("mgr", "w-1", "w-2"), NodeProcess.memberNames(manager.statusJson()));
            manager.awaitStatus(s -> s.getAsJsonObject("cluster").get("rejectedMessages").getAsLong() > 0,
                    CONVERGE, "the stranger's messages counted as rejected"); // status.sh reads a file written every second
        } finally {
            nodes.forEach(NodeProcess::close);
        }
    }

    /** A node on a lab host of its own, on the multicast stack, with no well-known members. */
    private NodeProcess multicastNode(NetworkLab lab, String name, String profile, int offset, List<NodeProcess> nodes) {
        NetworkLab.Host host = lab.host(name.replace("-", ""));
        lab.allowMulticast(host);
        NodeProcess node = NodeProcess.withOffset(temp.resolve(name), profile, offset, "-Dnode=" + name,
                "-Dcarbide.cluster.stack=udp", "-Dcarbide.cluster.bindAddress=" + host.address(),
                "-Dcarbide.management.host=" + host.address()).on(lab, host);
        nodes.add(node);
        return node;
    }

}
