package io.carbide.itests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster plane as an attacker and a tired operator meet it, with real processes: a worker
 * started before its manager, one with another secret (fixed later, without a restart), one with
 * a short secret, one bound to every interface (0.0.0.0); every listening socket on its configured
 * address; a thousand garbage connections to every cluster port. Nodes that cannot join are never
 * ready and say why; they keep trying and join once the cause is gone; the log stays small.
 */
class ClusterHardeningTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** JGroups' connection preamble: its cookie and its version (5.4.13), so garbage reaches past the first check. */
    private static final byte[] PREAMBLE = ByteBuffer.allocate(6).put("bela".getBytes(StandardCharsets.US_ASCII))
            .putShort((short) ((5 << 11) | (4 << 6) | 13)).array();

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private NodeProcess node(String name, String profile, String... options) {
        List<String> all = new ArrayList<>(List.of("-Dnode=" + name));
        all.addAll(List.of(options));
        NodeProcess node = new NodeProcess(temp.resolve(name), profile, all.toArray(String[]::new));
        started.add(node);
        return node;
    }

    @Test
    void strangersGarbageAndShortSecretsAreRefusedAndNodesKeepTryingUntilTheCauseIsGone() throws Exception {
        NodeProcess manager = node("mgr", "manager");
        String wellKnown = "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]";
        NodeProcess early = node("early", "worker", wellKnown, "-Dcarbide.health.startGraceSeconds=2");
        NodeProcess stranger = node("stranger", "worker", wellKnown);
        NodeProcess weak = node("weak", "worker", wellKnown).withEnvironment("CARBIDE_CLUSTER_SECRET", "password123");
        Files.createDirectories(stranger.base().resolve("conf"));
        Files.writeString(stranger.base().resolve("conf/cluster.secret"),
                "a secret of another cluster domain, long and random enough\n");

        // a worker whose manager is not up yet is not ready and says why; it joins once the manager is there
        assertEquals(0, early.start().exitCode());
        JsonObject lost = awaitHealth(early, "refused");
        assertTrue(lost.get("reason").getAsString().contains("no manager is reachable"), lost.toString());
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        early.awaitReady();
        awaitMembers(manager, Set.of("mgr", "early"));

        // every socket listens where it is configured: all on 127.0.0.1 but the client port, for the load balancer
        Map<Integer, String> sockets = listening(manager.pid());
        int offset = manager.portOffset();
        for (int port : List.of(4000 + offset, 4100 + offset, 4200 + offset, 4500 + offset, 4600 + offset, 9443 + offset)) {
            assertEquals("127.0.0.1", sockets.get(port), port + " in " + sockets);
        }
        assertEquals("0.0.0.0", sockets.get(manager.clientPort()), "the client port serves every interface: " + sockets);
        sockets.forEach((port, address) -> assertTrue(port == manager.clientPort() || address.equals("127.0.0.1"),
                "port " + port + " listens on " + address));

        // another secret: refused by the manager, never ready, the reason names the cause and the manager
        assertEquals(0, stranger.start().exitCode());
        JsonObject refused = awaitHealth(stranger, "refused");
        String reason = refused.get("reason").getAsString();
        assertTrue(reason.contains("wrong secret") && reason.contains("mgr (127.0.0.1:" + manager.clusterPort() + ")"),
                reason);
        manager.awaitStatus(s -> s.getAsJsonObject("cluster").get("rejectedMessages").getAsLong() > 0,
                    CONVERGE, "the stranger's messages counted as rejected"); // status.sh reads a file written every second
        assertTrue(manager.logContains("a node calling itself stranger that does not authenticate"), manager.logTail());
        assertFalse(NodeProcess.memberNames(manager.statusJson()).contains("stranger"));
        assertFalse(stranger.logContains("another cluster domain, long"), "the secret never reaches a log");
        // the operator fixes the file: the node joins by itself, no restart
        Files.copy(Distribution.home().resolve("conf/cluster.secret"), stranger.base().resolve("conf/cluster.secret"),
                StandardCopyOption.REPLACE_EXISTING);
        stranger.awaitReady();
        awaitMembers(manager, Set.of("mgr", "early", "stranger"));

        // a short secret is refused at start, with the way out
        assertEquals(0, weak.start().exitCode());
        JsonObject shortSecret = awaitHealth(weak, "refused");
        assertTrue(shortSecret.get("reason").getAsString().contains("carbide.cluster.allowWeakSecret=true"),
                shortSecret.toString());
        assertFalse(weak.logContains("password123"), "the secret never reaches a log");

        // a bind address of every interface is one the others cannot reach it at: refused at start, with the way out
        NodeProcess everywhere = node("everywhere", "worker", wellKnown, "-Dcarbide.cluster.bindAddress=0.0.0.0");
        assertEquals(0, everywhere.start().exitCode());
        String wildcard = awaitHealth(everywhere, "refused").get("reason").getAsString();
        assertTrue(wildcard.contains("carbide.cluster.bindAddress '0.0.0.0'") && wildcard.contains("restart node everywhere"),
                wildcard);

        // a thousand garbage connections to the cluster ports: nobody leaves, the log barely grows
        Path log = manager.base().resolve("logs/carbide.log");
        long before = Files.size(log);
        List<Integer> ports = List.of(manager.clusterPort(), manager.clusterPort() + 100, manager.clusterPort() + 200,
                4500 + offset, 4600 + offset);
        int refusedConnections = flood(ports, 1000);
        unreadableFrames(manager.clusterPort() + 100, 1000); // each was an ERROR with a stack trace: 950 KB of log
        Thread.sleep(2_000);
        long grown = Files.size(log) - before;
        assertTrue(grown < 50_000, "the log grew " + grown + " bytes for 1000 garbage connections and 1000 "
                + "unreadable failure-detection frames");
        assertTrue(manager.logContains("io.carbide.badtraffic - Refused traffic on a cluster port from 127.0.0.1"),
                manager.logTail());
        assertTrue(manager.logContains("refused a connection from 127.0.0.1: not a content request"), manager.logTail());
        JsonObject afterFlood = manager.statusJson();
        assertEquals(Set.of("mgr", "early", "stranger"), NodeProcess.memberNames(afterFlood),
                "every member stayed in the view (" + refusedConnections + " connections refused outright): "
                        + afterFlood + "\n" + manager.logTail());
        assertEquals(200, early.get(early.clientPort(), "/health").statusCode());
        assertEquals("ready", manager.statusJson().get("state").getAsString());
    }

    /** Opens {@code count} connections, 16 at a time, each sending random bytes (half after a valid preamble). */
    private static int flood(List<Integer> ports, int count) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        int[] refused = {0};
        for (int i = 0; i < count; i++) {
            int n = i;
            pool.execute(() -> {
                Random random = new Random(n);
                byte[] garbage = new byte[32 + random.nextInt(1_000)];
                random.nextBytes(garbage);
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), ports.get(n % ports.size()))) {
                    socket.setSoTimeout(2_000);
                    OutputStream out = socket.getOutputStream();
                    if (n % 2 == 0) {
                        out.write(PREAMBLE);
                    }
                    out.write(garbage);
                    out.flush();
                } catch (IOException cutOff) {
                    synchronized (refused) {
                        refused[0]++;
                    }
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(2, TimeUnit.MINUTES), "the garbage was sent");
        return refused[0];
    }

    /** One connection that opens as JGroups does (claiming an address), then sends {@code count} frames of 5 bytes. */
    private static void unreadableFrames(int port, int count) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            ByteBuffer bytes = ByteBuffer.allocate(PREAMBLE.length + 9 + 5 * count).put(PREAMBLE)
                    .putShort((short) 7).put((byte) 4).put(new byte[] {127, 0, 0, 1}).putShort((short) 31338);
            for (int i = 0; i < count; i++) {
                bytes.putInt(1).put((byte) 0);
            }
            socket.getOutputStream().write(bytes.array());
            socket.getOutputStream().flush();
        }
    }

    /** Listening TCP sockets of a process: port to address, from {@code ss}. */
    private static Map<Integer, String> listening(long pid) throws Exception {
        Process ss = new ProcessBuilder("ss", "-ltnpH").redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, ss.waitFor(), out);
        Map<Integer, String> sockets = new TreeMap<>();
        for (String line : out.split("\n")) {
            if (!line.contains("pid=" + pid + ",")) {
                continue;
            }
            String local = line.trim().split("\\s+")[3];
            int colon = local.lastIndexOf(':');
            String address = local.substring(0, colon).replace("[::ffff:", "").replace("]", "").replace("*", "0.0.0.0")
                    .replace("[::", "0.0.0.0");
            sockets.put(Integer.parseInt(local.substring(colon + 1)), address);
        }
        assertFalse(sockets.isEmpty(), "no listening socket of pid " + pid + " in:\n" + out);
        return sockets;
    }

    private static JsonObject awaitHealth(NodeProcess node, String state) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = JsonParser.parseString(node.get(node.clientPort(), "/health").body()).getAsJsonObject();
                if (state.equals(last.get("state").getAsString())) {
                    return last;
                }
            } catch (IOException | com.google.gson.JsonParseException notYetServing) {
                // starting: the port may answer before /health is there
            }
            Thread.sleep(200);
        }
        throw new AssertionError(node.base().getFileName() + " never reached " + state + "; last: " + last);
    }

    private static void awaitMembers(NodeProcess node, Set<String> names) {
        node.awaitStatus(s -> NodeProcess.memberNames(s).equals(names), CONVERGE, "members " + names);
    }

}
