package io.carbide.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Distribution;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.ScriptResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class data sharing as {@code bin/start.sh} keeps it in {@code lib/cds/} of a freshly unpacked
 * installation: the first start of each profile records the classes it loads, the next start of
 * that profile maps them, and a profile never maps another's (a worker mapping a manager's archive
 * kept 8 MiB more of it resident).
 */
class ClassDataSharingTest {

    @TempDir
    Path temp;

    @Test
    void eachProfileRecordsItsOwnClassDataAndItsNextStartMapsIt() throws Exception {
        Path installation = Distribution.copyTo(temp.resolve("carbide"));
        Path cds = installation.resolve("lib/cds");

        startOnce(installation, "worker", "w-1", command -> {
            assertTrue(command.contains("-XX:ArchiveClassesAtExit=" + cds), command);
            assertFalse(command.contains("-XX:SharedArchiveFile="), command);
        });
        startOnce(installation, "worker", "w-2",
                command -> assertTrue(command.matches(".*-XX:SharedArchiveFile=\\S*-worker\\.jsa .*"), command));
        startOnce(installation, "manager", "m-1", command -> {
            assertTrue(command.contains("-XX:ArchiveClassesAtExit=" + cds), command);
            assertFalse(command.contains("worker.jsa"), "a manager maps nothing a worker recorded: " + command);
        });
        startOnce(installation, "manager", "m-2",
                command -> assertTrue(command.matches(".*-XX:SharedArchiveFile=\\S*-manager\\.jsa .*"), command));
        try (Stream<Path> files = Files.list(cds)) {
            assertEquals(List.of("manager.jsa", "worker.jsa"), files
                    .map(file -> file.getFileName().toString().replaceFirst("^carbide-\\d+-\\d+-", "")).sorted().toList(),
                    "one archive per profile, and no recording or part file left");
        }
    }

    /** Starts a node until its launcher is ready (a lone worker: until it says it has nothing to serve), then stops it. */
    private void startOnce(Path installation, String profile, String name, Consumer<String> commandLine)
            throws Exception {
        try (NodeProcess node = new NodeProcess(temp.resolve(name), profile, "-Dnode=" + name,
                "-Dcarbide.health.startGraceSeconds=1").installedAt(installation)) {
            ScriptResult started = node.start();
            assertEquals(0, started.exitCode(), started.output());
            String settled = profile.equals("worker") ? "refused" : "ready";
            node.awaitStatus(status -> settled.equals(status.get("state").getAsString()), Duration.ofSeconds(60), settled);
            commandLine.accept(Files.readString(Path.of("/proc/" + node.pid() + "/cmdline")).replace('\0', ' '));
            ScriptResult stopped = node.stop();
            assertEquals(0, stopped.exitCode(), stopped.output());
        }
    }
}
