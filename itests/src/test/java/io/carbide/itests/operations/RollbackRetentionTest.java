package io.carbide.itests.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-step rollback and the retention policy, on a manager keeping the last 4 revisions and two
 * workers: a rollback brings back the bytes of an earlier revision on every worker and in the
 * manager's {@code deploy/}; revisions that never existed answer 404, revisions the policy
 * collected 410; content only collected history referred to is deleted and the repository's disk
 * use drops; a worker stopped before the compaction catches up to identical content.
 */
class RollbackRetentionTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String PASSWORD = "rollback-test-password";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void aRollbackBringsBackTheOldBytesEverywhereAndRetentionCollectsWhatNoKeptRevisionNeeds() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr",
                "-Dcarbide.retention.revisions=4", "-Dcarbide.retention.days=0")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        NodeProcess w1 = started.add(new NodeProcess(temp.resolve("w1"), "worker", "-Dnode=w1",
                manager.asWellKnownMember()));
        NodeProcess w2 = started.add(new NodeProcess(temp.resolve("w2"), "worker", "-Dnode=w2",
                manager.asWellKnownMember()));
        for (NodeProcess worker : List.of(w1, w2)) {
            assertEquals(0, worker.start().exitCode(), worker.logTail());
            worker.awaitReady();
        }
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);

        byte[] v1 = random(1, 2_000);
        byte[] v2 = random(2, 600_000); // large, so its collection shows in the disk use
        upload(api, "site.zip", v1); // revision 1
        upload(api, "site.zip", v2); // 2
        upload(api, "extra.zip", random(3, 2_000)); // 3
        for (NodeProcess worker : List.of(w1, w2)) {
            awaitPage(worker, "/site/page.bin", v2);
            worker.awaitHttp("/extra/page.bin", 200, null, CONVERGE);
        }

        // roll back to revision 1: site.zip's first bytes, and no extra.zip, on every worker and in deploy/
        ManagementClient.Response rollback = api.postJson("/api/rollback", "{\"revision\": 1}");
        assertEquals(200, rollback.status(), rollback.body());
        assertEquals(2, rollback.json().getAsJsonArray("changes").size(), rollback.body());
        assertEquals(5, rollback.json().get("revision").getAsLong());
        for (NodeProcess worker : List.of(w1, w2)) {
            awaitPage(worker, "/site/page.bin", v1);
            worker.awaitHttp("/extra/page.bin", 404, null, CONVERGE);
        }
        awaitDeployFolder(manager, "site.zip", v1);
        JsonObject newest = api.get("/api/history?limit=1").json().getAsJsonArray("changes").get(0).getAsJsonObject();
        assertEquals("rollback", newest.get("kind").getAsString(), newest.toString());
        assertEquals(1, newest.get("rollbackTo").getAsLong());
        assertEquals("admin", newest.get("by").getAsString());
        assertTrue(newest.get("at").getAsLong() > 0);
        ManagementClient.Response again = api.postJson("/api/rollback", "{\"revision\": 5}");
        assertEquals(200, again.status(), again.body());
        assertEquals(0, again.json().getAsJsonArray("changes").size(), "nothing left to do: nothing recorded");
        // keeping the last 4 revisions, revision 1 is gone now that the repository is at 5
        api.await("/api/history", h -> h.get("retainedFrom").getAsLong() == 2, CONVERGE, "history kept from revision 2");
        assertEquals(410, api.postJson("/api/rollback", "{\"revision\": 1}").status());

        // bad requests: one line, nothing recorded
        assertEquals(404, api.postJson("/api/rollback", "{\"revision\": 999}").status());
        assertEquals(400, api.postJson("/api/rollback", "{\"revision\": \"yesterday\"}").status());
        assertEquals(400, api.postJson("/api/rollback", "{\"revision\": 99999999999999999999}").status(),
                "a number past any revision is no revision, not one wrapped round");
        assertEquals(405, api.get("/api/rollback").status());

        // w2 stops before the history is compacted further; three more changes move the retention point to 5
        assertEquals(0, w2.stop().exitCode());
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline && diskBytes(manager) < v2.length) {
            Thread.sleep(200); // status.json is written once a second
        }
        long diskBefore = diskBytes(manager);
        assertTrue(diskBefore >= v2.length, "the repository holds the large content: " + diskBefore);
        byte[] v3 = random(4, 1_000);
        byte[] v4 = random(5, 1_000);
        byte[] v5 = random(6, 1_000);
        upload(api, "site.zip", v3); // 6
        upload(api, "site.zip", v4); // 7
        upload(api, "site.zip", v5); // 8
        // revision 4 still had v2 (the rollback's first change removed extra.zip); from 5 on nothing does
        api.await("/api/history", h -> h.get("retainedFrom").getAsLong() == 5, CONVERGE, "history kept from revision 5");
        ManagementClient.Response gone = api.postJson("/api/rollback", "{\"revision\": 2}");
        assertEquals(410, gone.status(), gone.body());
        assertTrue(gone.error().contains("no longer retained"), gone.error());
        Path v2Blob = manager.base().resolve("data/repository/blobs/" + sha256(zipOf(v2)));
        deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline && Files.exists(v2Blob)) {
            Thread.sleep(200);
        }
        assertFalse(Files.exists(v2Blob), "content only revisions 2 to 4 referred to is deleted");
        deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline && diskBytes(manager) >= diskBefore) {
            Thread.sleep(500);
        }
        long diskAfter = diskBytes(manager);
        assertTrue(diskAfter < diskBefore - v2.length / 2, "disk use drops: " + diskBefore + " -> " + diskAfter);
        String log = Files.readString(manager.base().resolve("data/repository/revisions.log"));
        assertFalse(log.startsWith("1\t") || log.contains("\n2\t") || log.contains("\n3\t"),
                "compacted lines are gone from the log:\n" + log);
        assertTrue(log.contains("rollback:1"), log);

        // a worker from before the compaction point catches up to identical content
        assertEquals(0, w2.start().exitCode(), w2.logTail());
        awaitPage(w2, "/site/page.bin", v5);
        w2.awaitHttp("/extra/page.bin", 404, null, CONVERGE);

        // a retained revision still rolls back after the compaction
        assertEquals(200, api.postJson("/api/rollback", "{\"revision\": 6}").status());
        for (NodeProcess worker : List.of(w1, w2)) {
            awaitPage(worker, "/site/page.bin", v3);
        }
    }

    private Path zipOf(byte[] page) throws IOException {
        Path zip = temp.resolve("zips/" + sha256(page) + ".zip");
        if (!Files.exists(zip)) {
            Files.createDirectories(zip.getParent());
            Artifacts.zip(zip, Map.of("page.bin", page), true);
        }
        return zip;
    }

    private void upload(ManagementClient api, String name, byte[] page) throws IOException {
        ManagementClient.Response answer = api.putFile("/api/artifacts/" + name, zipOf(page));
        assertTrue(answer.status() == 201 || answer.status() == 200, answer.body());
    }

    private static void awaitPage(NodeProcess worker, String path, byte[] expected) throws Exception {
        String want = sha256(expected);
        String seen = "";
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<byte[]> answer = worker.getBytes(worker.clientPort(), path);
                seen = answer.statusCode() + " " + (answer.statusCode() == 200 ? sha256(answer.body()) : "");
                if (seen.equals("200 " + want)) {
                    return;
                }
            } catch (IOException starting) {
                seen = starting.toString(); // its client port is not open yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(worker.name() + " serves " + path + " as " + seen + ", not sha256 " + want);
    }

    private void awaitDeployFolder(NodeProcess manager, String name, byte[] page) throws Exception {
        Path file = manager.deployDir().resolve(name);
        String want = sha256(Files.readAllBytes(zipOf(page)));
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(file) && sha256(Files.readAllBytes(file)).equals(want)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("deploy/" + name + " on " + manager.name() + " does not hold the rolled-back bytes");
    }

    private static long diskBytes(NodeProcess manager) {
        JsonElement bytes = manager.statusJson().getAsJsonObject("repository").get("diskBytes");
        return bytes == null ? -1 : bytes.getAsLong();
    }

    private static byte[] random(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
