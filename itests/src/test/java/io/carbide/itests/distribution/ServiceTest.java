package io.carbide.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.ScriptResult;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Carbide as a service: the systemd unit template passes {@code systemd-analyze verify}; a node
 * started as an unprivileged user (made by this test) runs, serves and writes only its own base,
 * never the installation; and {@code start.sh} warns once when run as root.
 */
class ServiceTest {

    private static final String PASSWORD = "service-test-password";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void theUnitTemplatePassesSystemdsOwnCheck() throws Exception {
        String unit = Files.readString(Distribution.home().resolve("conf/systemd/carbide@.service"));
        assertTrue(unit.contains("User=carbide") && unit.contains("Restart=on-failure")
                && unit.contains("/var/lib/carbide/%i"), unit);
        // as installed, with the installation where this test's distribution is
        Path installed = temp.resolve("carbide@itest.service");
        Files.writeString(installed, unit.replace("/opt/carbide", Distribution.home().toString()));
        ScriptResult verified = run(List.of("systemd-analyze", "verify", installed.toString()));
        assertEquals(0, verified.exitCode(), verified.output());
        assertFalse(verified.output().contains(installed.getFileName().toString()), "no complaint:\n" + verified.output());

        // and the check is real: a unit whose start command is missing fails it
        Path broken = temp.resolve("carbide@broken.service");
        Files.writeString(broken, unit.replace("/opt/carbide/bin/start.sh", "/nonexistent/start.sh"));
        assertNotEquals(0, run(List.of("systemd-analyze", "verify", broken.toString())).exitCode());
    }

    @Test
    void aNodeRunAsAnUnprivilegedUserWritesOnlyItsOwnBase() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "making a user needs root, as CI runs");
        String user = "carbide-it-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(0, run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user))
                .exitCode());
        try {
            // the base belongs to the user; the folders above it only let it pass
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
            Path base = Files.createDirectory(temp.resolve("node"));
            // as README's "Running as a service" says: the base is the user's, with its copy of the cluster secret
            Files.createDirectories(base.resolve("conf"));
            Files.writeString(base.resolve("conf/cluster.secret"), UUID.randomUUID() + "-" + UUID.randomUUID() + "\n");
            Files.setPosixFilePermissions(base.resolve("conf/cluster.secret"), PosixFilePermissions.fromString("rw-------"));
            assertEquals(0, run(List.of("chown", "-R", user + ":" + user, base.toString())).exitCode());
            Map<String, Long> installationBefore = snapshot(Distribution.home());

            NodeProcess node = started.add(new NodeProcess(base, "default", "-Dnode=svc").asUser(user)
                    .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD).withEnvironment("CARBIDE_ALLOW_ROOT", "false"));
            ScriptResult start = node.start();
            assertEquals(0, start.exitCode(), start.output());
            assertFalse(start.stderr().contains("runs as root"), "no root warning for an unprivileged user: "
                    + start.stderr());
            node.awaitReady();
            assertEquals(user, Files.getOwner(Path.of("/proc", String.valueOf(node.pid()))).getName(),
                    "the node's process is the user's");

            ManagementClient api = new ManagementClient(node, "admin", PASSWORD);
            ManagementClient.Response upload = api.putFile("/api/artifacts/hello-servlet.jar", Artifacts.helloServlet());
            assertEquals(201, upload.status(), upload.body());
            node.awaitHttp("/hello", 200, "Hello", Duration.ofSeconds(60));

            try (Stream<Path> files = Files.walk(base)) {
                List<String> notTheUsers = files.filter(file -> !owner(file).equals(user)).map(Path::toString).toList();
                assertEquals(List.of(), notTheUsers, "everything the node wrote is the user's");
            }
            assertEquals(PosixFilePermissions.fromString("rwx------"),
                    Files.getPosixFilePermissions(base.resolve("data")), "and its data is readable by it alone");
            assertNotEquals(0, run(List.of("runuser", "-u", user, "--", "touch",
                    Distribution.home().resolve("lib/written-by-the-node").toString())).exitCode(),
                    "the user cannot write the installation");
            assertEquals(0, node.stop().exitCode());
            assertEquals(installationBefore, snapshot(Distribution.home()), "the node changed nothing in the installation");
        } finally {
            run(List.of("pkill", "-KILL", "-u", user));
            run(List.of("userdel", user));
        }
    }

    @Test
    void startWarnsOnceWhenRunAsRoot() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the warning is for root");
        // a start the launcher refuses at once (a port offset that is no number) shows the warning all the same
        NodeProcess node = new NodeProcess(temp.resolve("root-node"), "worker", "-Dnode=as-root", "-DportOffset=x")
                .withEnvironment("CARBIDE_ALLOW_ROOT", "false");
        ScriptResult refused = node.start();
        assertEquals(2, refused.exitCode(), refused.output());
        List<String> warnings = refused.stderr().lines().filter(line -> line.contains("runs as root")).toList();
        assertEquals(1, warnings.size(), refused.stderr());
        assertTrue(warnings.get(0).contains("carbide@.service") && warnings.get(0).contains("CARBIDE_ALLOW_ROOT=true"),
                warnings.get(0));
    }

    /** Every file under the folder with its size and modification time. */
    private static Map<String, Long> snapshot(Path folder) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.filter(Files::isRegularFile).filter(file -> !file.toString().contains("/lib/cds/")).forEach(file -> {
                try {
                    files.put(folder.relativize(file).toString(),
                            Files.getLastModifiedTime(file).toMillis() * 31 + Files.size(file));
                } catch (IOException e) {
                    files.put(folder.relativize(file).toString(), -1L);
                }
            });
        }
        return files;
    }

    private static String owner(Path file) {
        try {
            return Files.getOwner(file, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName();
        } catch (IOException e) {
            return "?";
        }
    }

    private static ScriptResult run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null"))).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new ScriptResult(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }
}
