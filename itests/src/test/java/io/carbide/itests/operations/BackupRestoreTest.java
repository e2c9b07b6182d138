package io.carbide.itests.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.CarbideCli;
import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.CarbideCli.Run;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore as an operator does them: {@code bin/carbide backup} while uploads run, the
 * archive restored into a fresh base with {@code bin/carbide restore}, a manager started on it in
 * the old one's place; it serves the same artifacts byte for byte with the same history and users,
 * the workers that followed the old manager follow it without redeploying anything, and a
 * truncated archive is refused with nothing written.
 */
class BackupRestoreTest {

    private static final String PASSWORD = "backup-test-password";
    private static final String PASSPHRASE = "a passphrase the operators keep apart";
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private Run carbide(String... args) throws IOException, InterruptedException {
        return CarbideCli.run(temp, Map.of("CARBIDE_PASSWORD", PASSWORD), args);
    }

    /** With the passphrase that seals (and opens) the keys of a backup. */
    private Run carbideWithPassphrase(String passphrase, String... args) throws IOException, InterruptedException {
        return CarbideCli.run(temp, Map.of("CARBIDE_PASSWORD", PASSWORD, "CARBIDE_BACKUP_PASSPHRASE", passphrase), args);
    }

    @Test
    void aBackupTakenUnderLoadRestoresIntoAManagerTheWorkersFollowWithoutRedeploying() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        List<NodeProcess> workers = List.of(
                started.startReady(new NodeProcess(temp.resolve("w1"), "worker", "-Dnode=w1", manager.asWellKnownMember())),
                started.startReady(new NodeProcess(temp.resolve("w2"), "worker", "-Dnode=w2", manager.asWellKnownMember())));
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);
        assertEquals(201, api.putFile("/api/artifacts/hello-servlet.jar", Artifacts.helloServlet()).status());
        assertEquals(201, api.putFile("/api/artifacts/hello-site.zip", Artifacts.helloSite()).status());
        assertEquals(201, api.putJson("/api/config/hello", "{\"properties\": {\"greeting\": \"Hello from the backup\"}}")
                .status());
        assertEquals(201, api.putJson("/api/users/ops", "{\"password\": \"ops-password-1\", \"role\": \"deployer\"}")
                .status());
        for (NodeProcess worker : workers) {
            worker.awaitHttp("/hello", 200, "Hello from the backup", CONVERGE);
            worker.awaitHttp("/hello-site/", 200, null, CONVERGE);
        }

        // a backup while uploads keep coming: it is one consistent revision, whichever it caught
        Path archive = temp.resolve("backups/mgr.zip");
        Files.createDirectories(archive.getParent());
        AtomicBoolean uploading = new AtomicBoolean(true);
        AtomicInteger uploaded = new AtomicInteger();
        Thread uploads = new Thread(() -> {
            for (int i = 0; uploading.get() && i < 40; i++) { // below the 100 revisions the history keeps
                if (api.putBytes("/api/artifacts/load-" + i + ".cfg", ("n = " + i + "\n").getBytes()).status() == 201) {
                    uploaded.incrementAndGet();
                }
            }
        });
        String base = "--base=" + manager.base();
        assertEquals(0, carbide("login", base).exitCode());
        uploads.start();
        while (uploaded.get() < 3) {
            Thread.sleep(20);
        }
        int beforeBackup = uploaded.get();
        Run backup = carbideWithPassphrase(PASSPHRASE, "backup", archive.toString(), "--with-keys");
        int afterBackup = uploaded.get();
        uploading.set(false);
        uploads.join();
        assertTrue(afterBackup > beforeBackup, "uploads went on while the backup ran: " + beforeBackup + " before, "
                + afterBackup + " after");
        assertEquals(0, backup.exitCode(), backup.all());
        assertTrue(backup.out().contains("Backed up repository") && backup.out().contains("the management users")
                && backup.out().contains("the keys (sealed)"), backup.out());
        // for scripts: the same facts as JSON, and nothing else on stdout
        Path scriptedArchive = temp.resolve("backups/scripted.zip");
        Run scripted = carbide("backup", scriptedArchive.toString(), "--json", base);
        assertEquals(0, scripted.exitCode(), scripted.all());
        JsonObject summary = JsonParser.parseString(scripted.out()).getAsJsonObject();
        assertEquals(scriptedArchive.toAbsolutePath().toString(), summary.get("file").getAsString());
        assertEquals(Files.size(scriptedArchive), summary.get("fileBytes").getAsLong());
        assertTrue(summary.get("contents").getAsInt() >= 3 && summary.get("users").getAsBoolean()
                && !summary.get("sealedKeys").getAsBoolean(), summary.toString());
        String clusterSecret = Files.readString(Distribution.home().resolve("conf/cluster.secret")).strip();
        String keyStorePassword = Files.readString(manager.base().resolve("conf/security/management.p12.password"))
                .strip();
        String archiveBytes = new String(Files.readAllBytes(archive), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(archiveBytes.contains(clusterSecret) || archiveBytes.contains(keyStorePassword),
                "the keys are in the archive sealed, never in clear");
        assertFalse(Files.readString(manager.base().resolve("conf/users.properties")).isEmpty());
        long revision = Long.parseLong(backup.out().replaceAll("(?s).*at revision (\\d+).*", "$1"));
        assertTrue(uploaded.get() >= 3 && revision >= 5, "a backup taken while uploads ran: " + backup.out());

        // a backup cut short is refused, and leaves nothing behind
        byte[] whole = Files.readAllBytes(archive);
        Path truncated = temp.resolve("backups/truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        Path refusedBase = temp.resolve("refused");
        Run refused = carbide("restore", truncated.toString(), "--base=" + refusedBase);
        assertEquals(1, refused.exitCode(), refused.all());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertTrue(refused.err().contains(truncated.toString()) && refused.err().contains("not a usable backup"),
                refused.err());
        assertFalse(Files.exists(refusedBase), "nothing written for a refused archive");

        // the wrong passphrase opens nothing and writes nothing
        Path wrongBase = temp.resolve("wrong-passphrase");
        Run wrong = carbideWithPassphrase("not the passphrase at all", "restore", archive.toString(),
                "--base=" + wrongBase, "--with-keys");
        assertEquals(1, wrong.exitCode(), wrong.all());
        assertEquals(1, wrong.err().lines().count(), wrong.err());
        assertTrue(wrong.err().contains("passphrase does not open"), wrong.err());
        assertFalse(Files.exists(wrongBase.resolve("data")) || Files.exists(wrongBase.resolve("conf")),
                "nothing written with the wrong passphrase");

        // restore into a fresh base, keys included; the new manager takes the old one's name and ports
        Path restoredBase = temp.resolve("mgr-restored");
        Run restore = carbideWithPassphrase(PASSPHRASE, "restore", archive.toString(), "--base=" + restoredBase,
                "--with-keys");
        assertEquals(0, restore.exitCode(), restore.all());
        assertTrue(restore.out().contains("at revision " + revision) && restore.out().contains("conf/cluster.secret")
                && restore.out().contains("conf/security/management.p12"), restore.out());
        assertEquals(clusterSecret, Files.readString(restoredBase.resolve("conf/cluster.secret")).strip());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(manager.base().resolve("conf/security/management.p12")),
                Files.readAllBytes(restoredBase.resolve("conf/security/management.p12"))), "the same management key");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(restoredBase.resolve("conf/cluster.secret"))));
        Map<String, String> artifactsAtBackup = artifacts(api, revision);
        String repository = manager.statusJson().getAsJsonObject("repository").get("id").getAsString();
        List<String> deployedBefore = deployLines(workers, artifactsAtBackup.keySet());
        assertEquals(0, manager.stop().exitCode());

        NodeProcess restored = started.startReady(NodeProcess.withOffset(restoredBase, "manager", manager.portOffset(),
                "-Dnode=mgr"));
        restored.awaitStatus(s -> s.getAsJsonObject("repository").get("id").getAsString().equals(repository)
                && s.getAsJsonObject("repository").get("revision").getAsLong() == revision, CONVERGE,
                "the restored manager holding repository " + repository + " at revision " + revision);
        ManagementClient restoredApi = new ManagementClient(restored, "admin", PASSWORD);
        assertEquals(artifactsAtBackup, artifacts(restoredApi, revision), "the same artifacts, content for content");
        for (String sha256 : artifactsAtBackup.values()) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(manager.base().resolve("data/repository/blobs/" + sha256)),
                    Files.readAllBytes(restoredBase.resolve("data/repository/blobs/" + sha256))), sha256);
        }
        assertEquals(history(historyAtBackup(manager, revision)),
                history(restoredApi.get("/api/history?limit=1000").json()),
                "the same history");
        assertEquals(200, restoredApi.as("ops", "ops-password-1").get("/api/artifacts").status(), "and the same users");
        assertEquals(403, restoredApi.as("ops", "ops-password-1").get("/api/audit").status(),
                "with the same roles: ops is a deployer, not an admin");
        assertEquals(certificate(manager.base()), certificate(restoredBase),
                "the restored manager serves the old one's certificate, which its clients already trust");

        for (NodeProcess worker : workers) {
            worker.awaitStatus(s -> s.getAsJsonObject("deployment").get("repositoryId").getAsString().equals(repository)
                    && s.getAsJsonObject("deployment").get("revision").getAsLong() == revision
                    && s.getAsJsonObject("deployment").get("inSync").getAsBoolean(), CONVERGE,
                    "following the restored manager");
            worker.awaitHttp("/hello", 200, "Hello from the backup", CONVERGE);
        }
        Thread.sleep(2_000); // time for a redeploy to show, were one to happen
        assertEquals(deployedBefore, deployLines(workers, artifactsAtBackup.keySet()),
                "the workers redeployed nothing the backup holds");
        for (NodeProcess worker : workers) {
            assertEquals(artifactsAtBackup.keySet(), Reported.deployed(worker),
                    "what came after the backup is gone from " + worker.name());
        }
        ManagementClient.Response after = restoredApi.putBytes("/api/artifacts/after-restore.cfg", "x = 1\n".getBytes());
        assertEquals(201, after.status(), after.body());
        for (NodeProcess worker : workers) {
            worker.awaitStatus(s -> s.getAsJsonObject("deployment").get("revision").getAsLong() == revision + 1, CONVERGE,
                    "the restored manager's next change on every worker");
        }
    }

    /** The certificate a manager base's management.crt names first. */
    private static java.security.cert.Certificate certificate(Path base) throws Exception {
        try (java.io.InputStream in = Files.newInputStream(base.resolve("conf/security/management.crt"))) {
            return java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The old manager's history as of the backup: read from its revisions.log (it is stopped by then). */
    private static JsonObject historyAtBackup(NodeProcess manager, long revision) throws IOException {
        JsonObject history = new JsonObject();
        com.google.gson.JsonArray changes = new com.google.gson.JsonArray();
        for (String line : Files.readAllLines(manager.base().resolve("data/repository/revisions.log"))) {
            String[] fields = line.split("\t");
            if (Long.parseLong(fields[0]) <= revision) {
                JsonObject change = new JsonObject();
                change.addProperty("revision", Long.parseLong(fields[0]));
                change.addProperty("name", fields[5]);
                changes.add(change);
            }
        }
        history.add("changes", changes);
        return history;
    }

    /** Revision and artifact of every change, oldest first. */
    private static List<String> history(JsonObject answer) {
        List<String> lines = new ArrayList<>();
        for (JsonElement element : answer.getAsJsonArray("changes")) {
            JsonObject change = element.getAsJsonObject();
            lines.add(change.get("revision").getAsLong() + " " + change.get("name").getAsString());
        }
        lines.sort(java.util.Comparator.comparingLong(line -> Long.parseLong(line.substring(0, line.indexOf(' ')))));
        return lines;
    }

    /** Each artifact's sha-256 as of the revision (artifacts changed later left out). */
    private static Map<String, String> artifacts(ManagementClient api, long revision) {
        Map<String, String> artifacts = new TreeMap<>();
        for (JsonElement element : api.get("/api/artifacts").json().getAsJsonArray("artifacts")) {
            JsonObject artifact = element.getAsJsonObject();
            if (artifact.get("revision").getAsLong() <= revision) {
                artifacts.put(artifact.get("name").getAsString(), artifact.get("sha256").getAsString());
            }
        }
        return artifacts;
    }

    /** The deploy and undeploy lines the workers logged for these artifacts. */
    private static List<String> deployLines(List<NodeProcess> workers, java.util.Set<String> names) throws IOException {
        List<String> lines = new ArrayList<>();
        for (NodeProcess worker : workers) {
            for (String line : Files.readAllLines(worker.base().resolve("logs/carbide.log"))) {
                if ((line.contains(" - Deployed ") || line.contains(" - Undeployed "))
                        && names.stream().anyMatch(name -> java.util.regex.Pattern.compile("[\\s'\"]"
                                + java.util.regex.Pattern.quote(name) + "([\\s'\":,]|$)").matcher(line).find())) {
                    lines.add(worker.base().getFileName() + ": " + line);
                }
            }
        }
        return lines;
    }

    /** The names of the artifacts a node reports deployed. */
    private static final class Reported {
        static java.util.Set<String> deployed(NodeProcess worker) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            for (JsonElement artifact : worker.statusJson().getAsJsonObject("deployment").getAsJsonArray("artifacts")) {
                names.add(artifact.getAsJsonObject().get("name").getAsString());
            }
            return names;
        }
    }
}
