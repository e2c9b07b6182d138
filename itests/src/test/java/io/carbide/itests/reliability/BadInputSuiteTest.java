package io.carbide.itests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on every door of a running fleet (a manager and a worker): broken, hostile and
 * oversized artifacts dropped into deploy/, malformed requests to the management API, garbage on
 * the cluster ports and a node with another secret. Each one must be refused with a clear error
 * naming what was wrong, while both nodes stay up, in one view, and serving what they served;
 * nothing may be written outside the folders it belongs in. Counts go to
 * {@code itests/target/reliability/bad-input.md}; {@code docs/reliability.md} keeps a run's.
 */
class BadInputSuiteTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String PASSWORD = "bad-input-suite-password";
    private static final String ESCAPE = "escaped-by-bad-input";
    private static final int UPLOAD_LIMIT = 8 * 1024 * 1024;

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    /** One bad input and how it was answered. */
    private record Tried(String door, String input, boolean refused, String answer) {
    }

    private final List<Tried> tried = new ArrayList<>();

    @Test
    void everyBadInputIsRefusedClearlyAndNothingGoesDown() throws Exception {
        NodeProcess manager = started.add(new NodeProcess(temp.resolve("nodes/mgr"), "manager", "-Dnode=mgr",
                "-Dcarbide.archive.maxEntries=2000", "-Dcarbide.archive.maxBytes=" + (32 * 1024 * 1024),
                "-Dcarbide.management.maxUploadBytes=" + UPLOAD_LIMIT)
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        NodeProcess worker = started.add(new NodeProcess(temp.resolve("nodes/w1"), "worker", "-Dnode=w1",
                manager.asWellKnownMember()));
        assertEquals(0, manager.start().exitCode());
        manager.awaitReady();
        assertEquals(0, worker.start().exitCode());
        worker.awaitReady();
        Artifacts.drop(Artifacts.helloSite(), manager.deployDir(), "hello-site.zip");
        String page = worker.awaitHttp("/hello-site/", 200, null, CONVERGE);
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);
        long revision = manager.awaitStatus(s -> s.getAsJsonObject("repository").get("revision").getAsLong() >= 1,
                CONVERGE, "hello-site.zip recorded").getAsJsonObject("repository").get("revision").getAsLong();

        deployFolder(manager);
        managementApi(api, manager);
        clusterPorts(manager);
        strangerNode(manager);
        misconfiguredNode();

        // everything still up, in one view, serving what it served, and nothing more recorded
        int down = 0;
        for (NodeProcess node : List.of(manager, worker)) {
            if (node.get(node.clientPort(), "/health").statusCode() != 200) {
                down++;
            }
        }
        assertEquals(page, worker.awaitHttp("/hello-site/", 200, null, CONVERGE));
        JsonObject cluster = api.get("/api/cluster").json();
        assertTrue(cluster.toString().contains("\"w1\""), "the worker is still in the manager's view: " + cluster);
        String recorded = revision(manager) == revision ? "" : api.get("/api/history?limit=20").body();
        long outside = bytesEscaped(temp);

        long refused = tried.stream().filter(Tried::refused).count();
        StringBuilder report = new StringBuilder("| door | tried | refused with a clear error |\n| --- | --- | --- |\n");
        Map<String, long[]> byDoor = new LinkedHashMap<>();
        for (Tried one : tried) {
            long[] counts = byDoor.computeIfAbsent(one.door(), d -> new long[2]);
            counts[0]++;
            counts[1] += one.refused() ? 1 : 0;
        }
        byDoor.forEach((door, counts) -> report.append("| ").append(door).append(" | ").append(counts[0]).append(" | ")
                .append(counts[1]).append(" |\n"));
        report.append("| **all** | ").append(tried.size()).append(" | ").append(refused).append(" |\n\n")
                .append("Nodes down afterwards: ").append(down).append(". Bytes written outside their folder: ")
                .append(outside).append(".\n\n");
        tried.stream().filter(t -> !t.refused()).forEach(t -> report.append("NOT REFUSED: ").append(t.door())
                .append(" ").append(t.input()).append(": ").append(t.answer()).append('\n'));
        Path out = Path.of("target/reliability/bad-input.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
        assertTrue(tried.size() >= 50, "at least 50 bad inputs: " + tried.size());
        assertEquals("", recorded, "no bad input was recorded");
        assertEquals(tried.size(), refused, report.toString());
        assertEquals(0, down, report.toString());
        assertEquals(0, outside, report.toString());
    }

    // ---- artifacts dropped into the manager's deploy/

    private void deployFolder(NodeProcess manager) throws Exception {
        Map<String, byte[]> corpus = new LinkedHashMap<>();
        Random random = new Random(17);
        corpus.put("bomb.zip", zipOfZeros("zeros.bin", 256));
        corpus.put("bomb-bundle.jar", bundleWithZeros(256));
        Map<String, byte[]> many = new LinkedHashMap<>();
        for (int i = 0; i <= 2000; i++) {
            many.put("f" + i + ".txt", new byte[] {'x'});
        }
        corpus.put("many-entries.zip", Artifacts.zipBytes(many, true));
        corpus.put("too-big.zip", Artifacts.zipBytes(Map.of("data.bin", bytes(random, 33 * 1024 * 1024)), true));
        for (String[] slip : new String[][] {{"slip-parent.zip", "../" + ESCAPE + ".txt"},
                {"slip-deep.zip", "a/b/../../../" + ESCAPE + ".txt"}, {"slip-absolute.zip", "/tmp/" + ESCAPE + ".txt"},
                {"slip-backslash.zip", "..\\" + ESCAPE + ".txt"}, {"slip-drive.zip", "C:\\" + ESCAPE + ".txt"},
                {"slip-mixed.zip", "a\\..\\..\\" + ESCAPE + ".txt"}, {"slip-dotdot.zip", ".."}}) {
            corpus.put(slip[0], Artifacts.zipBytes(Map.of(slip[1], "escape".getBytes(StandardCharsets.UTF_8)), false));
        }
        byte[] servlet = Files.readAllBytes(Artifacts.helloServlet());
        byte[] site = Files.readAllBytes(Artifacts.helloSite());
        corpus.put("truncated.jar", java.util.Arrays.copyOf(servlet, servlet.length / 2));
        corpus.put("truncated.zip", java.util.Arrays.copyOf(site, site.length / 2));
        corpus.put("empty.jar", new byte[0]);
        corpus.put("empty.zip", new byte[0]);
        corpus.put("garbage.jar", bytes(random, 4096));
        corpus.put("garbage.zip", bytes(random, 4096));
        corpus.put("plain.jar", Files.readAllBytes(Artifacts.plainJar(temp.resolve("plain.jar"))));
        corpus.put("bad-version.jar", Files.readAllBytes(Artifacts.bundle(temp.resolve("bv.jar"),
                Map.of("Bundle-SymbolicName", "bad.version", "Bundle-Version", "1.x.y.z.w"))));
        corpus.put("no-version.jar", Files.readAllBytes(Artifacts.bundle(temp.resolve("nv.jar"),
                Map.of("Bundle-SymbolicName", "no.version"))));
        corpus.put("bad-lines.cfg", "this line holds no key and no value\n".getBytes(StandardCharsets.UTF_8));
        corpus.put("bad-syntax.config", "key = [\"unclosed\n".getBytes(StandardCharsets.UTF_8));
        corpus.put("notes.txt", "an unknown kind of artifact".getBytes(StandardCharsets.UTF_8));
        corpus.put("health.zip", site);
        corpus.put("my site.zip", site);
        corpus.put("a+b.zip", site);
        corpus.put("-leading-dash.zip", site);
        corpus.put("ünïcödé.jar", servlet);
        corpus.put("x".repeat(240) + ".zip", site);
        Path deploy = manager.deployDir();
        for (Map.Entry<String, byte[]> input : corpus.entrySet()) {
            Path copying = temp.resolve("copying");
            Files.write(copying, input.getValue());
            Files.move(copying, deploy.resolve(input.getKey()));
        }
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        Map<String, String> reasons = Map.of();
        while (System.nanoTime() < deadline) {
            reasons = refusals(manager);
            if (reasons.keySet().containsAll(corpus.keySet())) {
                break;
            }
            Thread.sleep(250);
        }
        for (String name : corpus.keySet()) {
            String reason = reasons.get(name);
            boolean clear = reason != null && reason.lines().count() == 1
                    && (reason.contains(name) || reason.contains(name.substring(0, Math.min(40, name.length()))));
            tried.add(new Tried("artifact dropped into deploy/", name.length() > 60 ? name.substring(0, 40) + "..." : name,
                    clear, reason == null ? "not refused" : reason));
        }
    }

    // ---- the management API

    private void managementApi(ManagementClient api, NodeProcess manager) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(ManagementClient.trusting(manager.base()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        String longName = "n".repeat(5000);
        Object[][] corpus = {
            {"PUT", "/api/artifacts/garbage.zip", "application/octet-stream", new byte[] {1, 2, 3, 4}},
            {"PUT", "/api/artifacts/..%2F..%2F" + ESCAPE + ".jar", "application/octet-stream", new byte[] {1}},
            {"PUT", "/api/artifacts/%2e%2e", "application/octet-stream", new byte[] {1}},
            {"PUT", "/api/artifacts/", "application/octet-stream", new byte[] {1}},
            {"PUT", "/api/artifacts/" + longName + ".zip", "application/octet-stream", new byte[] {1}},
            {"PUT", "/api/artifacts/big.zip", "application/octet-stream", new byte[UPLOAD_LIMIT + 1]},
            {"PUT", "/api/artifacts/notes.txt", "text/plain", "hello".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/artifacts/health.zip", "application/octet-stream", Files.readAllBytes(Artifacts.helloSite())},
            {"PUT", "/api/config/hello", "application/json", "{".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/config/hello", "application/json", "{\"properties\": 5}".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/config/hello", "application/json", "[1, 2]".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/config/hello", "application/json", "{\"properties\": {\"a\": {\"b\": 1}}}".getBytes(
                    StandardCharsets.UTF_8)},
            {"PUT", "/api/config/..%2F" + ESCAPE, "application/json", "{\"properties\": {}}".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/config/" + longName, "application/json", "{\"properties\": {}}".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/config/hello", "application/json", new byte[] {(byte) 0xff, (byte) 0xfe, 0}},
            {"POST", "/api/login", "application/json", "{\"user\": ".getBytes(StandardCharsets.UTF_8)},
            {"POST", "/api/login", "application/json", "{\"user\": 5, \"password\": []}".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/users/bad%20name", "application/json", "{\"password\": \"long-enough-1\"}".getBytes(
                    StandardCharsets.UTF_8)},
            {"PUT", "/api/users/someone", "application/json", "{\"password\": 12345678}".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/users/someone", "application/json", "{\"password\": \"short\"}".getBytes(StandardCharsets.UTF_8)},
            {"PUT", "/api/users/" + longName, "application/json", "{\"password\": \"long-enough-1\"}".getBytes(
                    StandardCharsets.UTF_8)},
            {"POST", "/api/managers", "application/json", "{\"add\": [\"x\"]}".getBytes(StandardCharsets.UTF_8)},
            {"POST", "/api/managers", "application/json", "{\"add\": \"../../x\"}".getBytes(StandardCharsets.UTF_8)},
            {"POST", "/api/managers", "application/json", "not json".getBytes(StandardCharsets.UTF_8)},
            {"DELETE", "/api/managers/" + longName, null, null},
            {"POST", "/api/cluster/adopt", "application/json", "{\"nodes\": \"w1\"}".getBytes(StandardCharsets.UTF_8)},
            {"POST", "/api/cluster/adopt", "application/json", "{\"nodes\": [1, 2]}".getBytes(StandardCharsets.UTF_8)},
            {"POST", "/api/cluster/adopt", "application/json", "{\"nodes\": []}".getBytes(StandardCharsets.UTF_8)},
            {"POST", "/api/artifacts/form.zip", "application/x-www-form-urlencoded", "a=b".getBytes(StandardCharsets.UTF_8)},
            {"GET", "/api/nodes/..%2F..%2Fetc", null, null},
            {"GET", "/api/no-such-thing", null, null},
            {"DELETE", "/api/artifacts/no-such-artifact.jar", null, null},
        };
        for (Object[] input : corpus) {
            String method = (String) input[0];
            String path = (String) input[1];
            HttpRequest.Builder request = HttpRequest.newBuilder(api.uri(path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", auth);
            if (input[2] != null) {
                request.header("Content-Type", (String) input[2]);
            }
            request.method(method, input[3] == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray((byte[]) input[3]));
            HttpResponse<String> response;
            String answer;
            boolean clear;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                answer = response.statusCode() + " " + response.body();
                String error = error(response.body());
                clear = response.statusCode() >= 400 && response.statusCode() < 500 && error != null && !error.isBlank()
                        && error.length() < 600;
                if (response.statusCode() == 400 && (path.contains("%2F") || path.contains("%2e"))) {
                    // an encoded separator or dot segment: Jetty's URI checks refuse it before any servlet
                    clear = true;
                    answer = "400 from the HTTP layer's URI checks";
                }
            } catch (IOException e) {
                // the server may cut an oversized upload short after answering it
                answer = e.toString();
                clear = path.equals("/api/artifacts/big.zip");
            }
            String shown = method + " " + (path.length() > 60 ? path.substring(0, 40) + "..." : path);
            tried.add(new Tried("management API request", shown, clear, answer.length() > 300 ? answer.substring(0, 300)
                    : answer));
        }
    }

    private static String error(String body) {
        try {
            JsonElement json = com.google.gson.JsonParser.parseString(body);
            return json.isJsonObject() && json.getAsJsonObject().has("error")
                    ? json.getAsJsonObject().get("error").getAsString() : null;
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    // ---- the cluster's ports

    private void clusterPorts(NodeProcess manager) throws Exception {
        Random random = new Random(23);
        int[] ports = {manager.clusterPort(), manager.clusterPort() + 100, 4500 + manager.portOffset()};
        String[] names = {"cluster port", "failure-detection port", "managers' port"};
        byte[][] payloads = {bytes(random, 512), "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            tlsHello(), bytes(random, 1024 * 1024), jgroupsLike(random), jgroupsFrame(messageClaiming(1 << 30)),
            jgroupsFrame(batchClaiming(200_000_000))};
        String[] kinds = {"random bytes", "an HTTP request", "a TLS hello", "1 MB of random bytes",
            "a JGroups header of another version", "a JGroups message of 19 bytes claiming a payload of 1 GiB",
            "a JGroups batch claiming 200 million messages"};
        for (int p = 0; p < ports.length; p++) {
            for (int k = 0; k < payloads.length; k++) {
                String answer = send(ports[p], payloads[k]);
                boolean up = answersHealth(manager);
                if (!up) { // gone: the rest of the suite cannot run, so say which input took it down
                    throw new AssertionError("the manager went down on " + kinds[k] + " to the " + names[p] + "; "
                            + "its console ends: " + consoleEnd(manager));
                }
                tried.add(new Tried("cluster traffic", kinds[k] + " to the " + names[p], up, answer));
            }
        }
        try (DatagramSocket udp = new DatagramSocket()) {
            byte[] garbage = bytes(random, 1200);
            udp.send(new DatagramPacket(garbage, garbage.length, InetAddress.getLoopbackAddress(), manager.clusterPort()));
        }
        boolean up = manager.get(manager.clientPort(), "/health").statusCode() == 200;
        tried.add(new Tried("cluster traffic", "a UDP datagram of random bytes to the cluster port", up, "sent"));
    }

    private static String consoleEnd(NodeProcess node) {
        try {
            List<String> lines = Files.readAllLines(node.base().resolve("logs/console.out"));
            return lines.isEmpty() ? "(empty)" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static boolean answersHealth(NodeProcess node) throws InterruptedException {
        try {
            return node.get(node.clientPort(), "/health").statusCode() == 200;
        } catch (IOException unreachable) {
            return false;
        }
    }

    private static String send(int port, byte[] payload) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(payload);
            out.flush();
            try {
                int read = socket.getInputStream().read();
                return read < 0 ? "closed by the node" : "answered";
            } catch (java.net.SocketTimeoutException silent) {
                return "ignored";
            }
        } catch (IOException e) {
            return "connection: " + e.getMessage();
        }
    }

    private static byte[] tlsHello() {
        return new byte[] {0x16, 0x03, 0x01, 0x00, 0x2e, 0x01, 0x00, 0x00, 0x2a, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8};
    }

    /** JGroups 5.4.13's version, as its connection preamble and every frame carry it. */
    private static final short JGROUPS_VERSION = (short) ((5 << 11) | (4 << 6) | 13);

    /**
     * A connection as JGroups opens one (its cookie, its version, the address the peer claims),
     * then one frame. Anyone who reaches the port can send this: it is read before the cluster's
     * seal can tell who sent it.
     */
    private static byte[] jgroupsFrame(byte[] frame) {
        return java.nio.ByteBuffer.allocate(4 + 2 + 2 + 7 + 4 + frame.length).put("bela".getBytes(StandardCharsets.US_ASCII))
                .putShort(JGROUPS_VERSION).putShort((short) 7).put((byte) 4).put(new byte[] {127, 0, 0, 1})
                .putShort((short) 31337).putInt(frame.length).put(frame).array();
    }

    /** One message with no addresses and no headers whose payload length says {@code claimed} (a node once allocated it). */
    private static byte[] messageClaiming(int claimed) {
        return java.nio.ByteBuffer.allocate(15).putShort(JGROUPS_VERSION).put((byte) 0) // one message
                .putShort((short) 0).putShort((short) 0).put((byte) 0).putShort((short) 0) // type, flags, addresses, headers
                .putInt(claimed).array();
    }

    /** A batch of the cluster "carbide" whose count of messages says {@code claimed}, and no message. */
    private static byte[] batchClaiming(int claimed) {
        return java.nio.ByteBuffer.allocate(18).putShort(JGROUPS_VERSION).put((byte) 1) // a list of messages
                .put((byte) 1).put((byte) 1).putShort((short) 7).put("carbide".getBytes(StandardCharsets.US_ASCII))
                .putInt(claimed).array();
    }

    private static byte[] jgroupsLike(Random random) {
        byte[] bytes = bytes(random, 256);
        bytes[0] = (byte) 0xba; // JGroups' TCP cookie starts "bela"; this one claims another version
        bytes[1] = (byte) 0x65;
        bytes[2] = (byte) 0x6c;
        bytes[3] = (byte) 0x61;
        bytes[4] = 0x7f;
        bytes[5] = 0x7f;
        return bytes;
    }

    // ---- a node of another domain

    private void strangerNode(NodeProcess manager) throws Exception {
        NodeProcess stranger = started.add(new NodeProcess(temp.resolve("nodes/stranger"), "worker", "-Dnode=stranger",
                manager.asWellKnownMember()));
        Files.createDirectories(stranger.base().resolve("conf"));
        Files.writeString(stranger.base().resolve("conf/cluster.secret"),
                "a secret of another cluster domain, long and random enough\n");
        assertEquals(0, stranger.start().exitCode());
        JsonObject health = stranger.awaitStatus(s -> "refused".equals(s.get("state").getAsString()), CONVERGE,
                "the stranger refused");
        boolean clear = health.get("reason").getAsString().contains("wrong secret");
        tried.add(new Tried("cluster traffic", "a node with another cluster secret", clear,
                health.get("reason").getAsString()));
        stranger.stop();
    }

    // ---- a node whose cluster settings it cannot use

    private void misconfiguredNode() throws Exception {
        NodeProcess typo = started.add(new NodeProcess(temp.resolve("nodes/typo"), "worker", "-Dnode=typo",
                "-Dcarbide.cluster.wellKnownMembers=127.0.0.1:4000", "-Dcarbide.cluster.contentPort=42o1"));
        assertEquals(0, typo.start().exitCode());
        // it stays up and says why it is out of its cluster, where it once ran on without one and said nothing
        JsonObject health = typo.awaitStatus(s -> "refused".equals(s.get("state").getAsString()), CONVERGE,
                "the misconfigured node refused");
        String reason = health.get("reason").getAsString();
        tried.add(new Tried("node settings", "carbide.cluster.wellKnownMembers=127.0.0.1:4000",
                reason.contains("carbide.cluster.wellKnownMembers '127.0.0.1:4000'") && reason.contains("restart"), reason));
        tried.add(new Tried("node settings", "carbide.cluster.contentPort=42o1",
                reason.contains("carbide.cluster.contentPort '42o1'"), reason));
        typo.stop();
    }

    // ---- helpers

    private static Map<String, String> refusals(NodeProcess manager) {
        Map<String, String> refused = new LinkedHashMap<>();
        for (JsonElement entry : manager.statusJson().getAsJsonObject("repository").getAsJsonArray("refused")) {
            refused.put(entry.getAsJsonObject().get("name").getAsString(),
                    entry.getAsJsonObject().get("reason").getAsString());
        }
        return refused;
    }

    private static long revision(NodeProcess manager) {
        return manager.statusJson().getAsJsonObject("repository").get("revision").getAsLong();
    }

    /** Bytes of every file the hostile inputs named, wherever it landed under the test's folder. */
    private static long bytesEscaped(Path root) throws IOException {
        long bytes = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().contains(ESCAPE) && Files.isRegularFile(file)) {
                    bytes += Files.size(file);
                }
            }
        }
        Path tmp = Path.of("/tmp/" + ESCAPE + ".txt");
        return bytes + (Files.exists(tmp) ? Files.size(tmp) : 0);
    }

    private static byte[] bytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] zipOfZeros(String entry, int megabytes) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry(entry));
            byte[] zeros = new byte[1024 * 1024];
            for (int i = 0; i < megabytes; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        return out.toByteArray();
    }

    private static byte[] bundleWithZeros(int megabytes) throws IOException {
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", "bomb");
        manifest.getMainAttributes().putValue("Bundle-Version", "1.0.0");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.jar.JarOutputStream jar = new java.util.jar.JarOutputStream(out, manifest)) {
            jar.setLevel(9);
            jar.putNextEntry(new ZipEntry("zeros.bin"));
            byte[] zeros = new byte[1024 * 1024];
            for (int i = 0; i < megabytes; i++) {
                jar.write(zeros);
            }
            jar.closeEntry();
        }
        return out.toByteArray();
    }
}
