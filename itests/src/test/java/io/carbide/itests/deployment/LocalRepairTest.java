package io.carbide.itests.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker trusts nothing on its own disk without checking it: content truncated and web
 * application files edited behind its back are repaired while it runs and when it starts, from
 * the verified content or the manager. A manager never serves content damaged on its disk: it
 * says so, and a new worker deploys everything else.
 */
class LocalRepairTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void truncatedContentAndEditedFilesAreRepairedWhileRunningAndAtStart() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr"));
        NodeProcess worker = started.startReady(new NodeProcess(temp.resolve("w-1"), "worker", "-Dnode=w-1",
                manager.asWellKnownMember(), "-Dcarbide.deployment.checkSeconds=2"));
        Artifacts.drop(Artifacts.helloSite(), manager.deployDir(), "hello-site.zip");
        String page = worker.awaitHttp("/hello-site/", 200, null, CONVERGE);
        Path blob = blobOf(worker, "hello-site.zip");
        long size = Files.size(blob);

        // what the worker runs, proven: in sync (verified by its digest); a file changed by hand is
        // "diverged", naming the artifact, until the next check repairs it
        ManagementClient api = new ManagementClient(manager, "admin",
                Files.readString(manager.base().resolve("conf/admin.password")).strip());
        api.await("/api/cluster", c -> ManagementClient.member(c, "w-1").get("sync").getAsString().equals("in-sync")
                && ManagementClient.member(c, "w-1").get("verified").getAsBoolean(), CONVERGE,
                "w-1 in sync, verified by its digest");
        Files.writeString(indexOf(worker), "<p>changed by hand</p>");
        JsonObject diverged = api.await("/api/cluster", c -> ManagementClient.member(c, "w-1").get("sync").getAsString()
                .equals("diverged"), CONVERGE, "w-1 diverged");
        assertEquals("[\"hello-site.zip: its deployed files were changed on disk\"]",
                ManagementClient.member(diverged, "w-1").getAsJsonArray("diverged").toString());
        api.await("/api/cluster", c -> ManagementClient.member(c, "w-1").get("sync").getAsString().equals("in-sync"),
                CONVERGE, "w-1 repaired and in sync again");
        worker.awaitHttp("/hello-site/", 200, page, CONVERGE);

        // while it runs
        Files.write(blob, new byte[] {1, 2, 3});
        Path index = indexOf(worker);
        Files.writeString(index, "<p>defaced</p>");
        awaitSize(blob, size);
        worker.awaitHttp("/hello-site/", 200, page, CONVERGE);
        assertTrue(worker.logContains("the local copy of hello-site.zip was damaged on disk"), worker.logTail());

        // content damaged on the manager: never served, reported there, and it blocks nothing else
        Artifacts.drop(Artifacts.helloServlet(), manager.deployDir(), "hello-servlet.jar");
        worker.awaitHttp("/hello", 200, null, CONVERGE);
        Path managerBlob = manager.base().resolve("data/repository/blobs").resolve(blobOf(worker, "hello-servlet.jar")
                .getFileName());
        Files.write(managerBlob, new byte[] {7, 7, 7});
        NodeProcess newcomer = started.add(new NodeProcess(temp.resolve("w-2"), "worker", "-Dnode=w-2",
                "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]"));
        assertEquals(0, newcomer.start().exitCode());
        newcomer.awaitHttp("/hello-site/", 200, page, CONVERGE);
        newcomer.awaitStatus(s -> stateOf(s, "hello-servlet.jar").equals("failed"), CONVERGE,
                "hello-servlet.jar failed on the newcomer, the rest deployed");
        manager.awaitStatus(s -> s.getAsJsonObject("repository").getAsJsonArray("damagedContent").toString()
                .contains("hello-servlet.jar"), CONVERGE, "the damage reported on the manager");
        assertTrue(manager.logContains("is damaged on disk"), manager.logTail());
        worker.awaitHttp("/hello", 200, null, CONVERGE); // the worker that has it keeps serving it

        // at start
        assertEquals(0, worker.stop().exitCode());
        Files.write(blob, new byte[] {4, 5, 6});
        Files.writeString(indexOf(worker), "<p>defaced again</p>");
        assertEquals(0, worker.start().exitCode());
        worker.awaitReady();
        worker.awaitHttp("/hello-site/", 200, page, CONVERGE);
        awaitSize(blob, size);
    }

    /** The worker's blob of an artifact, once its status (written every second) lists it. */
    private static Path blobOf(NodeProcess worker, String name) {
        JsonObject status = worker.awaitStatus(s -> !sha(s, name).isEmpty(), CONVERGE, name + " listed");
        return worker.base().resolve("data/deployment/blobs").resolve(sha(status, name));
    }

    private static String sha(JsonObject status, String name) {
        for (JsonElement artifact : status.getAsJsonObject("deployment").getAsJsonArray("artifacts")) {
            if (name.equals(artifact.getAsJsonObject().get("name").getAsString())) {
                return artifact.getAsJsonObject().get("sha256").getAsString();
            }
        }
        return "";
    }

    private static String stateOf(JsonObject status, String name) {
        for (JsonElement artifact : status.getAsJsonObject("deployment").getAsJsonArray("artifacts")) {
            if (name.equals(artifact.getAsJsonObject().get("name").getAsString())) {
                return artifact.getAsJsonObject().get("state").getAsString();
            }
        }
        return "";
    }

    private static Path indexOf(NodeProcess worker) throws Exception {
        try (Stream<Path> files = Files.walk(worker.base().resolve("data/deployment/webapps/hello-site"))) {
            return files.filter(p -> p.getFileName().toString().equals("index.html")).findFirst().orElseThrow();
        }
    }

    private static void awaitSize(Path file, long size) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(file) && Files.size(file) == size) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(file + " was not repaired to " + size + " bytes: "
                + (Files.exists(file) ? Files.size(file) : "missing"));
    }
}
