package io.carbide.itests.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management API of a real manager (started by its scripts) with one worker: HTTPS with the
 * node's own key, authentication, every error case, and uploads that go live on the worker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagementApiTest {

    private static final String PASSWORD = "api-test-admin-1";
    private static final int UPLOAD_LIMIT = 300_000;
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    static Path temp;

    private NodeProcess manager;
    private NodeProcess worker;
    private ManagementClient api;

    @BeforeAll
    void startManagerAndWorker() {
        manager = new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr",
                "-Dcarbide.management.maxUploadBytes=" + UPLOAD_LIMIT).withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD);
        worker = new NodeProcess(temp.resolve("w1"), "worker", "-Dnode=w1",
                "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]");
        assertEquals(0, manager.start().exitCode(), manager.logTail());
        manager.awaitReady();
        assertEquals(0, worker.start().exitCode(), worker.logTail());
        worker.awaitReady();
        api = new ManagementClient(manager, "admin", PASSWORD);
        api.await("/api/cluster", c -> c.getAsJsonArray("members").size() == 2, CONVERGE, "the worker joining");
    }

    @AfterAll
    void killWhatWeStarted() {
        if (worker != null) {
            worker.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    private long revision() {
        return api.get("/api/artifacts").json().get("revision").getAsLong();
    }

    private static String stateOn(JsonObject artifact, String node) {
        for (JsonElement entry : artifact.getAsJsonArray("nodes")) {
            if (entry.getAsJsonObject().get("node").getAsString().equals(node)) {
                return entry.getAsJsonObject().get("state").getAsString();
            }
        }
        return "absent";
    }

    @Test
    @Order(1)
    void theKeyIsGeneratedForThisInstallationAndTheCertificateNamesTheLoopbackAddress() throws IOException {
        Path security = manager.base().resolve("conf/security");
        assertTrue(Files.isRegularFile(security.resolve("management.p12")), "the manager generated its key store");
        assertTrue(Files.readString(security.resolve("management.crt")).startsWith("-----BEGIN CERTIFICATE-----"));
        Path zip = Distribution.home().getParent().getParent().resolve("carbide-" + Distribution.version() + ".zip");
        try (ZipFile shipped = new ZipFile(zip.toFile())) {
            assertEquals(List.of(), shipped.stream().map(ZipEntry::getName)
                    .filter(n -> n.endsWith(".p12") || n.endsWith(".jks") || n.contains("users.properties")).toList(),
                    "the distribution ships no key and no users");
        }
        // ManagementClient trusts only this certificate and checks the host name: 200 proves both
        assertEquals(200, api.get("/api/login").status());
    }

    @Test
    @Order(2)
    void everyEndpointButTheLogInCheckNeedsCredentials() {
        ManagementClient anonymous = api.as(null, null);
        for (String path : List.of("/api/cluster", "/api/artifacts", "/api/artifacts/hello-site.zip", "/api/history",
                "/api/config", "/api/config/hello", "/api/node", "/api/nodes/w1", "/api/fleet", "/api/users",
                "/api/cluster/ping")) {
            ManagementClient.Response response = anonymous.get(path);
            assertEquals(401, response.status(), path + ": " + response.body());
            assertNotNull(response.challenge(), path + " names the Basic scheme");
        }
        assertEquals(401, anonymous.putBytes("/api/artifacts/x.jar", new byte[] {1}).status());
        assertEquals(401, anonymous.delete("/api/artifacts/x.jar").status());
        assertEquals(401, anonymous.putJson("/api/config/hello", "{\"properties\":{}}").status());
        assertEquals(401, anonymous.get("/api/login").status(), "the log-in check says 'not logged in'");

        ManagementClient wrong = api.as("admin", "not-the-password");
        assertEquals(401, wrong.get("/api/cluster").status());
        assertEquals("wrong user name or password", wrong.get("/api/cluster").error());
        assertTrue(manager.logContains("Failed management log-in as 'admin' from 127.0.0.1"), manager.logTail());
        assertFalse(manager.logContains("not-the-password"), "a tried password is never logged");
        assertFalse(manager.logContains(PASSWORD), "the admin password is never logged");
        assertEquals(200, api.get("/api/cluster").status(), "a success clears the failures");
    }

    @Test
    @Order(3)
    void theConsoleLogsInWithASessionCookie() {
        ManagementClient.Response login = api.as(null, null).postJson("/api/login",
                "{\"user\": \"admin\", \"password\": \"" + PASSWORD + "\"}");
        assertEquals(200, login.status(), login.body());
        assertEquals(400, api.as(null, null).postJson("/api/login", "{\"user\": \"admin\"").status(),
                "malformed JSON");
        assertEquals(401, api.as(null, null).postJson("/api/login", "{\"user\": \"admin\", \"password\": \"nope\"}")
                .status());
    }

    @Test
    @Order(4)
    void theClusterViewShowsEachMembersSubDomainProfileVersionAndSyncState() {
        JsonObject cluster = api.await("/api/cluster", c -> c.getAsJsonArray("members").asList().stream()
                .anyMatch(m -> m.getAsJsonObject().get("sync").getAsString().equals("in-sync")), CONVERGE,
                "the worker reporting in sync");
        assertEquals("mgr", cluster.get("authority").getAsString());
        for (JsonElement element : cluster.getAsJsonArray("members")) {
            JsonObject member = element.getAsJsonObject();
            boolean isWorker = member.get("name").getAsString().equals("w1");
            assertEquals(isWorker ? "worker" : "mgt", member.getAsJsonArray("subDomains").get(0).getAsString());
            assertEquals(isWorker ? "worker" : "manager", member.get("profile").getAsString());
            assertEquals(Distribution.version(), member.get("version").getAsString());
            assertEquals(isWorker ? "in-sync" : "manager", member.get("sync").getAsString());
        }
    }

    @Test
    @Order(5)
    void anUploadTakesTheDeployFolderPathAndGoesLiveOnTheWorker() throws IOException {
        ManagementClient.Response upload = api.putFile("/api/artifacts/hello-site.zip", Artifacts.helloSite());
        assertEquals(201, upload.status(), upload.body());
        assertEquals("created", upload.json().get("change").getAsString());
        // the deploy folder follows committed changes on its own thread, a moment after the 201
        assertTrue(awaitRegularFile(manager.deployDir().resolve("hello-site.zip")),
                "the upload landed in deploy/, like a dropped file");
        api.await("/api/artifacts/hello-site.zip", a -> stateOn(a, "w1").equals("active"), CONVERGE,
                "hello-site.zip active on w1");
        worker.awaitHttp("/hello-site/", 200, "Carbide", CONVERGE);

        assertEquals(200, api.putFile("/api/artifacts/hello-site.zip", Artifacts.helloSite()).status(),
                "the same content again changes nothing");
        JsonObject history = api.get("/api/history?name=hello-site.zip").json();
        assertEquals(1, history.getAsJsonArray("changes").size(), history.toString());
    }

    @Test
    @Order(6)
    void aConfigurationChangeIsStoredAndReplicatedLikeAnyArtifact() {
        assertEquals(201, api.putFile("/api/artifacts/hello-servlet.jar", Artifacts.helloServlet()).status());
        ManagementClient.Response change = api.putJson("/api/config/hello",
                "{\"properties\": {\"greeting\": \"Configured through the API\"}}");
        assertEquals(201, change.status(), change.body());
        worker.awaitHttp("/hello", 200, "Configured through the API", CONVERGE);
        JsonObject read = api.get("/api/config/hello").json();
        assertEquals("Configured through the API", read.getAsJsonObject("properties").get("greeting").getAsString());
        assertEquals("hello.cfg", read.get("artifact").getAsString());
        assertTrue(api.get("/api/config").body().contains("\"pid\": \"hello\""));
    }

    @Test
    @Order(7)
    void badRequestsGetAClearErrorAndChangeNothing() throws IOException {
        long before = revision();
        ManagementClient.Response malformed = api.putJson("/api/config/hello", "{\"properties\": {");
        assertEquals(400, malformed.status());
        assertTrue(malformed.error().startsWith("the request body is not valid JSON"), malformed.error());
        assertEquals(400, api.putJson("/api/config/hello", "{\"properties\": {\"a\": [1, 2]}}").status());
        assertEquals(400, api.putJson("/api/config/hello", "[1]").status());

        ManagementClient.Response unknown = api.get("/api/artifacts/nothing-here.jar");
        assertEquals(404, unknown.status());
        assertTrue(unknown.error().contains("nothing-here.jar"), unknown.error());
        assertEquals(404, api.delete("/api/artifacts/nothing-here.jar").status());
        assertEquals(404, api.get("/api/config/no-such-pid").status());
        assertEquals(404, api.get("/api/nodes/no-such-node").status());

        ManagementClient.Response tooBig = api.putBytes("/api/artifacts/big.zip", new byte[UPLOAD_LIMIT + 1]);
        assertEquals(413, tooBig.status(), tooBig.body());
        assertTrue(tooBig.error().contains("upload limit"), tooBig.error());

        Path plainJar = Artifacts.plainJar(temp.resolve("plain.jar"));
        ManagementClient.Response invalid = api.putFile("/api/artifacts/plain.jar", plainJar);
        assertEquals(422, invalid.status(), invalid.body());
        assertTrue(invalid.error().contains("plain.jar"), invalid.error());
        assertEquals(400, api.putBytes("/api/artifacts/notes.txt", new byte[] {1}).status(), "unknown type");

        assertEquals(before, revision(), "no refused request recorded a revision");
        assertFalse(Files.exists(manager.deployDir().resolve("plain.jar")), "nothing refused reached deploy/");
        assertFalse(Files.exists(manager.deployDir().resolve("big.zip")));
    }

    @Test
    @Order(8)
    void aNodesBundlesAreListedWorkersOverTheCluster() {
        JsonObject w1 = api.get("/api/nodes/w1").json();
        String workerBundles = w1.getAsJsonArray("bundles").toString();
        assertTrue(workerBundles.contains("io.carbide.deployment"), workerBundles);
        assertFalse(workerBundles.contains("io.carbide.management"), "a worker never carries management bundles");
        assertFalse(workerBundles.contains("io.carbide.console"), "nor the console");
        String own = api.get("/api/node").json().getAsJsonArray("bundles").toString();
        assertTrue(own.contains("io.carbide.console") && own.contains("io.carbide.management"), own);
    }

    @Test
    @Order(9)
    void undeployRemovesTheArtifactFromTheWorker() {
        ManagementClient.Response removed = api.delete("/api/artifacts/hello-site.zip");
        assertEquals(200, removed.status(), removed.body());
        assertEquals("removed", removed.json().get("change").getAsString());
        worker.awaitHttp("/hello-site/", 404, null, CONVERGE);
        assertEquals(404, api.get("/api/artifacts/hello-site.zip").status());
    }

    @Test
    @Order(10)
    void usersAreKeptAsSaltedHashesAndCanBeAdded() throws IOException {
        assertEquals(400, api.putJson("/api/users/ops", "{\"password\": \"short\"}").status());
        assertEquals(201, api.putJson("/api/users/ops", "{\"password\": \"ops-password-1\"}").status());
        assertEquals(200, api.as("ops", "ops-password-1").get("/api/cluster").status());
        String usersFile = Files.readString(manager.base().resolve("conf/users.properties"));
        assertTrue(usersFile.contains("ops = pbkdf2-sha512:"), usersFile);
        assertFalse(usersFile.contains("ops-password-1") || usersFile.contains(PASSWORD), "no plain text");
        assertEquals(200, api.delete("/api/users/ops").status());
        assertEquals(401, api.as("ops", "ops-password-1").get("/api/cluster").status());
    }

    @Test
    @Order(10)
    void concurrentUploadsOfOneNameEachAnswerOnceRecordedAndTheFolderHoldsTheLast() throws Exception {
        int uploads = 10;
        ExecutorService pool = Executors.newFixedThreadPool(uploads);
        List<Future<ManagementClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            byte[] site = zipOf("index.html", ("<p>version " + i + "</p>").getBytes(StandardCharsets.UTF_8));
            answers.add(pool.submit(() -> api.putBytes("/api/artifacts/six.zip", site)));
        }
        for (Future<ManagementClient.Response> answer : answers) {
            ManagementClient.Response response = answer.get(30, TimeUnit.SECONDS);
            assertTrue(response.status() == 201 || response.status() == 200, response.status() + " " + response.body());
        }
        pool.shutdown();
        JsonObject recorded = api.get("/api/artifacts/six.zip").json();
        String sha = recorded.get("sha256").getAsString();
        Path file = manager.deployDir().resolve("six.zip");
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline && !(Files.exists(file) && sha256(file).equals(sha))) {
            Thread.sleep(100);
        }
        assertEquals(sha, sha256(file), "deploy/ holds the last recorded revision");
        assertEquals(200, api.delete("/api/artifacts/six.zip").status());
    }

    private static byte[] zipOf(String entry, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(content);
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));
    }

    @Test
    @Order(11)
    void theWorkerHasNoManagementPortButItsStatusAndHealthWork() throws Exception {
        try (Socket socket = new Socket()) {
            assertThrows(IOException.class, () -> socket.connect(
                    new InetSocketAddress("127.0.0.1", worker.managementPort()), 1000));
        }
        assertEquals(200, worker.get(worker.clientPort(), "/health").statusCode());
        JsonObject status = worker.statusJson();
        assertFalse(NodeProcess.hasBundle(status, "io.carbide.console"));
        assertFalse(status.getAsJsonObject("ports").has("management"));
    }

    /**
     * Failed log-ins slow down one name from one address, not the address: another operator
     * tunnelled in from 127.0.0.1 logs in at once. An unknown name fails as slowly as a known one.
     */
    @Test
    @Order(12)
    void failedLogInsSlowDownOneNameFromOneAddressOnly() throws InterruptedException {
        assertEquals(201, api.putJson("/api/users/ops2", "{\"password\": \"ops-password-2\"}").status());
        ManagementClient wrong = api.as("ops2", "guess");
        ManagementClient stranger = api.as("nobody-by-that-name", "guess");
        List<Long> known = new ArrayList<>();
        List<Long> unknown = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            known.add(timed(() -> assertEquals(401, wrong.get("/api/cluster").status())));
            unknown.add(timed(() -> assertEquals(401, stranger.get("/api/cluster").status())));
        }
        known.sort(null);
        unknown.sort(null);
        // a factor, not a timing target: a name that is no user used to fail a hundred times faster
        assertTrue(unknown.get(1) * 3 > known.get(1) && known.get(1) * 3 > unknown.get(1),
                "known " + known + " ms, unknown " + unknown + " ms");
        for (int i = 3; i < 6; i++) {
            assertEquals(401, wrong.get("/api/cluster").status());
        }
        ManagementClient.Response waits = api.as("ops2", "ops-password-2").get("/api/cluster");
        assertEquals(429, waits.status(), "the right password waits out that name's pause");
        assertTrue(waits.error().contains("too many failed log-ins with this name"), waits.error());
        assertEquals(200, api.get("/api/cluster").status(), "admin, from the same address, is not held back");
        Thread.sleep(1_500);
        assertEquals(200, api.as("ops2", "ops-password-2").get("/api/cluster").status(), "after the pause it passes");
        assertTrue(manager.logContains("Failed management log-in as 'ops2' from 127.0.0.1 (6 in a row): that name "
                + "from that address waits 1 s"), manager.logTail());
        assertEquals(200, api.delete("/api/users/ops2").status());
    }

    /**
     * A password change logs the user out everywhere but where it was made (that session goes on
     * with its token); changes carried by the console's cookie need its header, and a request from
     * another site's page is refused; POST is not an upload.
     */
    @Test
    @Order(13)
    void passwordChangesEndOtherSessionsAndCrossSiteChangesAreRefused() {
        assertEquals(201, api.putJson("/api/users/ops3", "{\"password\": \"ops-password-3\"}").status());
        String login = "{\"user\": \"ops3\", \"password\": \"ops-password-3\"}";
        String hereToken = api.as(null, null).postJson("/api/login", login).session();
        ManagementClient here = api.withSession(hereToken, true);
        ManagementClient there = api.withSession(api.as(null, null).postJson("/api/login", login).session(), true);
        assertEquals(200, there.get("/api/cluster").status());
        ManagementClient.Response change = here.putJson("/api/users/ops3", "{\"password\": \"ops-password-4\"}");
        assertEquals(200, change.status(), change.body());
        assertEquals(401, there.get("/api/cluster").status(), "the other session ended");
        assertEquals(200, here.get("/api/cluster").status(), "the session that made the change goes on");
        assertEquals(null, change.session(), "with the same token: the console's requests in flight keep working");

        ManagementClient.Response noHeader = api.withSession(hereToken, false)
                .putJson("/api/config/csrf", "{\"properties\": {\"a\": \"b\"}}");
        assertEquals(403, noHeader.status(), noHeader.body());
        assertTrue(noHeader.error().contains("X-Carbide-Console"), noHeader.error());
        ManagementClient.Response foreign = api.withHeader("Origin", "https://elsewhere.example")
                .postJson("/api/managers", "{\"add\": \"mgr-9\"}");
        assertEquals(403, foreign.status(), foreign.body());
        assertTrue(foreign.error().contains("https://elsewhere.example"), foreign.error());
        assertEquals(405, api.postJson("/api/artifacts/form.zip", "{}").status(), "POST is no upload");
        assertEquals(404, api.get("/api/config/csrf").status(), "nothing refused was recorded");
        assertEquals(200, api.delete("/api/users/ops3").status());
    }

    private static long timed(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static boolean awaitRegularFile(Path file) throws IOException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (!Files.isRegularFile(file)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return true;
    }

    /** One request of the role table: what it is, and the least role that may make it. */
    private record Call(String method, String path, String body, String role) {
        ManagementClient.Response send(ManagementClient as, String user) {
            String path = this.path.replace("{user}", user);
            String body = this.body == null ? null : this.body.replace("{user}", user);
            return switch (method) {
                case "GET" -> as.get(path);
                case "DELETE" -> as.delete(path);
                case "POST" -> as.postJson(path, body);
                case "PUT-BYTES" -> as.putBytes(path, body.getBytes(StandardCharsets.UTF_8));
                case "PUT-ZIP" -> as.putBytes(path, zip(body));
                default -> as.putJson(path, body);
            };
        }
    }

    @Test
    @Order(20)
    void eachRoleMayDoWhatItsTableSaysAndNothingMore() throws IOException, InterruptedException {
        assertEquals(201, api.putJson("/api/users/viv", "{\"password\": \"viewer-password-1\", \"role\": \"viewer\"}")
                .status());
        assertEquals(201, api.putJson("/api/users/dan", "{\"password\": \"deployer-password-1\", \"role\": \"deployer\"}")
                .status());
        Map<String, ManagementClient> users = new LinkedHashMap<>();
        users.put("viewer", api.as("viv", "viewer-password-1"));
        users.put("deployer", api.as("dan", "deployer-password-1"));
        users.put("admin", api);
        Map<String, String> names = Map.of("viewer", "viv", "deployer", "dan", "admin", "admin");
        List<String> order = List.of("viewer", "deployer", "admin");
        List<Call> table = List.of(
                new Call("GET", "/api/cluster", null, "viewer"),
                new Call("GET", "/api/artifacts", null, "viewer"),
                new Call("GET", "/api/history", null, "viewer"),
                new Call("GET", "/api/config", null, "viewer"),
                new Call("GET", "/api/rollout", null, "viewer"),
                new Call("GET", "/api/subdomains/worker/load", null, "viewer"),
                new Call("GET", "/api/users", null, "admin"),
                new Call("GET", "/api/audit", null, "admin"),
                new Call("GET", "/api/backup", null, "admin"),
                new Call("PUT-ZIP", "/api/artifacts/roles-{user}.zip", "made by {user}", "deployer"),
                new Call("DELETE", "/api/artifacts/roles-{user}.zip", null, "deployer"),
                new Call("PUT-BYTES", "/api/artifacts/roles-{user}.cfg", "who = {user}\n", "admin"),
                new Call("DELETE", "/api/artifacts/roles-{user}.cfg", null, "admin"),
                new Call("POST", "/api/rollback", "{\"revision\": 1}", "deployer"),
                new Call("PUT", "/api/config/roles-{user}", "{\"properties\": {\"by\": \"{user}\"}}", "admin"),
                new Call("DELETE", "/api/config/roles-{user}", null, "admin"),
                new Call("PUT", "/api/users/roles-made-by-{user}", "{\"password\": \"made-password-1\"}", "admin"),
                new Call("DELETE", "/api/users/roles-made-by-{user}", null, "admin"));
        List<String> wrong = new ArrayList<>();
        for (String role : order) {
            for (Call call : table) {
                ManagementClient.Response answer = call.send(users.get(role), names.get(role));
                boolean allowed = order.indexOf(role) >= order.indexOf(call.role());
                boolean ok = allowed ? answer.status() >= 200 && answer.status() < 300 : answer.status() == 403;
                if (!ok) {
                    wrong.add(role + " " + call.method() + " " + call.path() + ": " + answer.status() + " " + answer.body());
                }
            }
        }
        assertEquals(List.of(), wrong, "answers that do not match the role table");
        ManagementClient.Response refused = users.get("viewer").putBytes("/api/artifacts/x.zip", zip("x"));
        assertTrue(refused.error().startsWith("PUT /api/artifacts/x.zip needs the deployer role; user viv is a viewer"),
                refused.error());

        // a user changes their own password whatever their role, but never their own role
        assertEquals(200, users.get("viewer").putJson("/api/users/viv", "{\"password\": \"viewer-password-2\"}").status());
        ManagementClient viv = api.as("viv", "viewer-password-2");
        assertEquals(403, viv.putJson("/api/users/viv", "{\"role\": \"admin\"}").status());
        assertEquals(403, viv.putJson("/api/users/dan", "{\"password\": \"taken-over-1\"}").status());
        assertEquals("viewer", viv.get("/api/login").json().get("role").getAsString());

        // secret values are never shown, and saving the mask back keeps them
        assertEquals(201, api.putJson("/api/config/roles-secret",
                "{\"properties\": {\"db.password\": \"hunter2-secret\", \"url\": \"jdbc:x\"}}").status());
        JsonObject shown = viv.get("/api/config/roles-secret").json().getAsJsonObject("properties");
        assertEquals("********", shown.get("db.password").getAsString());
        assertEquals("jdbc:x", shown.get("url").getAsString());
        assertEquals(200, api.putJson("/api/config/roles-secret",
                "{\"properties\": {\"db.password\": \"********\", \"url\": \"jdbc:y\"}}").status());
        String file = "";
        for (long deadline = System.nanoTime() + CONVERGE.toNanos(); System.nanoTime() < deadline
                && !file.contains("jdbc:y"); Thread.sleep(100)) {
            file = Files.readString(manager.deployDir().resolve("roles-secret.cfg")); // deploy/ follows the commit
        }
        assertTrue(file.contains("hunter2-secret") && file.contains("jdbc:y"), file);
        // nor is the digest of a configuration's content, which would let a viewer test guesses of it offline
        assertTrue(viv.get("/api/artifacts/roles-secret.cfg").body().contains("\"sha256\": \"hidden\""));
        assertFalse(api.get("/api/artifacts/roles-secret.cfg").body().contains("\"sha256\": \"hidden\""));
        assertFalse(viv.get("/api/history?name=roles-secret.cfg").body().matches("(?s).*\"sha256\": \"[0-9a-f]{64}\".*"));
        assertEquals(400, api.putJson("/api/config/roles-secret", "{\"properties\": {\"db.password\": \"********\", "
                + "\"api.token\": \"********\"}}").status(), "the mask of a value that was never set stores nothing");

        // the last admin stays an admin; a users file line without a role is an admin, as before roles
        assertEquals(409, api.putJson("/api/users/admin", "{\"role\": \"viewer\"}").status());
        String usersFile = Files.readString(manager.base().resolve("conf/users.properties"));
        assertTrue(usersFile.contains("dan = pbkdf2-sha512:") && usersFile.contains(" role=deployer"), usersFile);
        assertTrue(usersFile.lines().anyMatch(line -> line.startsWith("admin = pbkdf2-sha512:") && !line.contains("role=")),
                usersFile);
    }

    @Test
    @Order(21)
    void theAuditTrailNamesWhoChangedWhatFromWhereAndSurvivesARestart() throws IOException {
        long before = System.currentTimeMillis();
        ManagementClient dan = api.as("dan", "deployer-password-1");
        assertEquals(201, dan.putBytes("/api/artifacts/audited.zip", zip("audited")).status());
        assertEquals(200, dan.postJson("/api/rollback", "{\"revision\": " + (revision() - 1) + "}").status());
        assertEquals(200, api.putJson("/api/config/roles-secret",
                "{\"properties\": {\"db.password\": \"new-hunter3\", \"url\": \"jdbc:y\"}}").status());
        assertEquals(401, api.as(null, null).postJson("/api/login",
                "{\"user\": \"mallory\", \"password\": \"not-a-password\"}").status());

        List<JsonObject> entries = new ArrayList<>();
        for (JsonElement entry : api.get("/api/audit?limit=200").json().getAsJsonArray("entries")) {
            if (entry.getAsJsonObject().get("at").getAsLong() >= before) {
                entries.add(entry.getAsJsonObject());
            }
        }
        assertEquals(1, count(entries, "upload", "audited.zip", "dan", "ok"), entries.toString());
        assertEquals(1, count(entries, "rollback", "", "dan", "ok"), entries.toString());
        assertEquals(1, count(entries, "config-set", "roles-secret", "admin", "ok"), entries.toString());
        assertEquals(1, count(entries, "login", "", "mallory", "refused"), entries.toString());
        JsonObject config = entries.stream().filter(e -> e.get("kind").getAsString().equals("config-set")).findFirst()
                .orElseThrow();
        assertEquals("[\"db.password\"]", config.getAsJsonObject("detail").get("keys").toString(),
                "the keys that changed, by name");
        assertTrue(entries.stream().allMatch(e -> e.get("address").getAsString().equals("127.0.0.1")
                && e.get("manager").getAsString().equals("mgr")), entries.toString());
        assertEquals(200, api.get("/api/audit?user=mallory&kind=login").status());
        assertEquals(403, dan.get("/api/audit").status(), "only admins read the trail");

        // what a password or a secret value was never reaches the file
        Path trail = manager.base().resolve("data/audit/audit.jsonl");
        String written = Files.readString(trail);
        for (String secret : List.of("new-hunter3", "hunter2-secret", "not-a-password", "deployer-password-1",
                "viewer-password-2", PASSWORD)) {
            assertFalse(written.contains(secret), secret + " in the audit trail");
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(trail)));

        // a restart keeps it
        assertEquals(0, manager.stop().exitCode());
        assertEquals(0, manager.start().exitCode(), manager.logTail());
        manager.awaitReady();
        JsonObject after = api.await("/api/audit?kind=upload&user=dan", a -> a.getAsJsonArray("entries").size() > 0,
                CONVERGE, "the trail after a restart");
        assertTrue(after.toString().contains("audited.zip"), after.toString());
    }

    private static byte[] zip(String page) {
        try {
            return Artifacts.zipBytes(Map.of("index.html", page.getBytes(StandardCharsets.UTF_8)), false);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long count(List<JsonObject> entries, String kind, String target, String user, String outcome) {
        return entries.stream().filter(e -> e.get("kind").getAsString().equals(kind)
                && e.get("target").getAsString().equals(target) && e.get("user").getAsString().equals(user)
                && e.get("outcome").getAsString().equals(outcome)).count();
    }
}
