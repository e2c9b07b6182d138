package io.carbide.itests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.SmallDisk;
import io.carbide.itests.support.StartedNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, on a worker and on a manager, each node's base on a tmpfs of a few megabytes.
 * Content a disk has no room for is refused before a byte of it is written, with one line naming
 * the folder, the artifact, what it needs and what is free; the node keeps running, keeps a
 * reserve for its own records, and deploys everything that fits; once the operator frees space,
 * everything refused goes live by itself, with no restart. Before this, one large artifact filled
 * a worker's disk to the last byte and its part file kept it full: every artifact after it failed,
 * down to one of 147 bytes, and so did the worker's state file.
 */
class DiskFullTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** A worker tries again after 1 s, then twice as long each time, at most a minute apart. */
    private static final Duration AFTER_ROOM = Duration.ofSeconds(90);

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void contentADiskHasNoRoomForIsRefusedWithOneLineAndGoesLiveOnceThereIsRoom() throws Exception {
        assumeTrue(SmallDisk.available(), "a small disk needs root and mount");
        SmallDisk workerDisk = null;
        SmallDisk managerDisk = null;
        try {
            workerDisk = SmallDisk.mount(temp.resolve("worker-disk"), 40);
            managerDisk = SmallDisk.mount(temp.resolve("manager-disk"), 176);
            NodeProcess manager = started.startReady(new NodeProcess(managerDisk.folder().resolve("mgr"), "manager",
                    "-Dnode=mgr"));
            NodeProcess worker = started.startReady(new NodeProcess(workerDisk.folder().resolve("w-1"), "worker",
                    "-Dnode=w-1", manager.asWellKnownMember()));
            ManagementClient api = new ManagementClient(manager, "admin",
                    Files.readString(manager.base().resolve("conf/admin.password")).strip());

            // larger than all the worker's disk has free, less its reserve (a tenth): refused before
            // the fetch starts, nothing of it on disk
            Artifacts.drop(site("wide", 40), manager.deployDir(), "wide.zip");
            String wideReason = awaitFailedOn(api, "wide.zip", "w-1");
            assertTrue(wideReason.startsWith("content not fetched from mgr: not enough space in ")
                    && wideReason.contains("data/deployment/blobs for wide.zip (40 MB; "), wideReason);
            assertTrue(wideReason.endsWith("free space on that disk; it is deployed by itself once there is room"),
                    wideReason);
            assertFalse(partFiles(worker), "nothing half-written left on the worker's disk");

            // the disk is not held full: a small one right after goes live, and the worker stays ready
            Artifacts.drop(site("small", 0), manager.deployDir(), "small.zip");
            worker.awaitHttp("/small/", 200, "small", CONVERGE);

            // its content fits, unpacked it does not: refused before unpacking, nothing of it served
            Artifacts.drop(site("half", 20), manager.deployDir(), "half.zip");
            String halfReason = awaitFailedOn(api, "half.zip", "w-1");
            assertTrue(halfReason.contains("data/deployment/webapps for half.zip unpacked (20 MB; "), halfReason);
            assertEquals(404, worker.get(worker.clientPort(), "/half/").statusCode());
            assertTrue(worker.logContains("could not deploy wide.zip (revision 1): content not fetched from mgr: "
                    + "not enough space in "), worker.logTail());

            // another process fills the worker's disk to the last byte: a drop is refused, the worker
            // cannot record its state, and says so, naming its disk, not its manager; it keeps serving
            Path filler = fill(workerDisk.folder().resolve("filler"));
            Artifacts.drop(site("late", 0), manager.deployDir(), "late.zip");
            awaitFailedOn(api, "late.zip", "w-1");
            JsonObject health = awaitHealth(worker, h -> h.get("reason").getAsString().contains("could not record"));
            assertEquals("ready", health.get("state").getAsString(), health.toString());
            assertTrue(health.get("reason").getAsString().contains("data/deployment for state.json"), health.toString());
            assertFalse(health.get("reason").getAsString().contains("does not answer"), health.toString());
            assertEquals(200, worker.get(worker.clientPort(), "/small/").statusCode());
            Files.delete(filler);
            worker.awaitHttp("/late/", 200, "late", CONVERGE);
            awaitHealth(worker, h -> h.get("reason").getAsString().isEmpty());

            // the manager's disk: an upload larger than its room is refused before it is read (507)
            Path tall = site("tall", 50);
            ManagementClient.Response upload = api.putFile("/api/artifacts/tall.zip", tall);
            assertEquals(507, upload.status(), upload.body());
            assertTrue(upload.error().startsWith("tall.zip was not recorded: not enough space in ")
                    && upload.error().contains("data/management/uploads for tall.zip, received then stored (100 MB; ")
                    && upload.error().endsWith("free space on that disk, then upload it again"), upload.error());
            // and a file dropped into its deploy/ waits, saying why, with nothing recorded
            Artifacts.drop(site("deep", 30), manager.deployDir(), "deep.zip");
            awaitLog(manager, "deep.zip dropped in ");
            assertTrue(manager.logContains("waits to be recorded: not enough space in "), manager.logTail());
            assertEquals(404, api.get("/api/artifacts/deep.zip").status(), "nothing recorded while there is no room");

            // the operator frees space: everything refused goes live by itself, no restart
            workerDisk.resize(512);
            managerDisk.resize(768);
            worker.awaitHttp("/wide/", 200, "wide", AFTER_ROOM);
            worker.awaitHttp("/half/", 200, "half", AFTER_ROOM);
            worker.awaitHttp("/deep/", 200, "deep", AFTER_ROOM);
            assertEquals(201, api.putFile("/api/artifacts/tall.zip", tall).status());
            worker.awaitHttp("/tall/", 200, "tall", CONVERGE);
            api.await("/api/cluster", c -> ManagementClient.member(c, "w-1").get("sync").getAsString().equals("in-sync")
                    && ManagementClient.member(c, "w-1").get("failed").getAsInt() == 0, CONVERGE,
                    "w-1 in sync with nothing failed");
        } finally {
            started.stopAll(); // before their disks go
            for (SmallDisk disk : new SmallDisk[] {workerDisk, managerDisk}) {
                if (disk != null) {
                    disk.close();
                }
            }
        }
    }

    /** Writes {@code file} until the disk has no byte left. */
    private static Path fill(Path file) throws Exception {
        byte[] megabyte = new byte[1 << 20];
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(megabyte);
            }
        } catch (java.io.IOException full) {
            return file; // the disk is full: what the test wants
        }
    }

    private static JsonObject awaitHealth(NodeProcess node, java.util.function.Predicate<JsonObject> condition)
            throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = node.get(node.clientPort(), "/health").body();
            JsonObject health = com.google.gson.JsonParser.parseString(last).getAsJsonObject();
            if (condition.test(health)) {
                return health;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(node.name() + "'s /health never got there: " + last);
    }

    /** A web application whose index names it, with {@code megabytes} of random bytes beside it. */
    private Path site(String name, int megabytes) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("index.html", ("<p>" + name + "</p>").getBytes(StandardCharsets.UTF_8));
        if (megabytes > 0) {
            byte[] data = new byte[megabytes << 20];
            new Random(name.hashCode()).nextBytes(data);
            entries.put("data.bin", data);
        }
        return Artifacts.zip(temp.resolve(name + ".zip"), entries, true);
    }

    /** The reason {@code name} failed on {@code node}, as the manager shows it, once it has. */
    private static String awaitFailedOn(ManagementClient api, String name, String node) {
        JsonObject artifact = api.await("/api/artifacts/" + name, a -> !reasonOn(a, node, "failed").isEmpty(),
                CONVERGE, name + " failed on " + node);
        return reasonOn(artifact, node, "failed");
    }

    private static String reasonOn(JsonObject artifact, String node, String state) {
        for (JsonElement entry : artifact.getAsJsonArray("nodes")) {
            JsonObject on = entry.getAsJsonObject();
            if (on.get("node").getAsString().equals(node) && on.get("state").getAsString().equals(state)) {
                return on.get("reason").getAsString();
            }
        }
        return "";
    }

    private static boolean partFiles(NodeProcess worker) throws Exception {
        try (Stream<Path> files = Files.list(worker.base().resolve("data/deployment/blobs"))) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".part"));
        }
    }

    private static void awaitLog(NodeProcess node, String text) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (!node.logContains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node.name() + " never logged '" + text + "': " + node.logTail());
            }
            Thread.sleep(200);
        }
    }
}
