package io.carbide.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What bin/carbide does before it talks to any manager: usage, exit codes, the saved log-in. */
class CarbideTest {

    @TempDir
    Path temp;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void captureErrors() {
        System.setProperty("carbide.loginFile", temp.resolve("login.json").toString());
        originalErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        System.clearProperty("carbide.loginFile");
        System.clearProperty("carbide.home");
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badUsageIsOneLineAndExitTwo() {
        assertEquals(ExitCode.USAGE, Carbide.run("history", "--limit", "many"));
        assertEquals(ExitCode.USAGE, Carbide.run("rollback"));
        assertEquals(ExitCode.USAGE, Carbide.run("config", "set", "hello"));
        assertEquals(ExitCode.USAGE, Carbide.run("no-such-command"));
        assertEquals(4, errors().lines().count(), errors());
        assertTrue(errors().lines().allMatch(line -> line.startsWith("carbide: ") && line.endsWith("--help)")), errors());
    }

    @Test
    void aBadAssignmentIsRefusedBeforeAnyManagerIsAsked() {
        // no log-in and no manager at that address: had it asked first, it would have exited 3
        assertEquals(ExitCode.USAGE, Carbide.run("config", "set", "hello", "greeting", "--url", "https://127.0.0.1:1"));
        assertTrue(errors().contains("'greeting' is not KEY=VALUE"), errors());
    }

    @Test
    void everyCommandHasItsHelp() {
        for (String command : List.of("login", "logout", "status", "nodes", "adopt", "deploy", "undeploy", "history",
                "rollback", "users")) {
            assertEquals(ExitCode.OK, Carbide.run(command, "--help"), command);
        }
        assertEquals(ExitCode.OK, Carbide.run("config", "set", "--help"));
    }

    @Test
    void anUnreadableSavedLogInCountsAsNone() throws Exception {
        Files.writeString(temp.resolve("login.json"), "not json at all");
        assertEquals(ExitCode.NOT_AUTHENTICATED, Carbide.run("nodes", "--url", "https://127.0.0.1:1"));
        assertTrue(errors().contains("ignoring the saved log-in"), errors());
    }

    @Test
    void withoutALogInOrPasswordACommandExitsThreeBeforeSendingAnything() {
        assertEquals(ExitCode.NOT_AUTHENTICATED, Carbide.run("nodes", "--url", "https://127.0.0.1:1"));
        assertTrue(errors().contains("run bin/carbide login"), errors());
    }

    @Test
    void aBaseWhereNoNodeRanIsNamed() {
        System.setProperty("carbide.home", temp.toString());
        assertEquals(ExitCode.USAGE, Carbide.run("status"));
        assertTrue(errors().contains("no node has run from " + temp), errors());
    }

    @Test
    void theSavedLogInIsOwnerOnlyAndReadBack() throws Exception {
        new SavedLogin("https://127.0.0.1:9443/", "/tmp/management.crt", "ops", "token-1").save();
        Path file = temp.resolve("login.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("ops", SavedLogin.read().orElseThrow().user());
        Files.writeString(file, "{\"format\": 2, \"url\": \"https://m/\", \"user\": \"a\", \"token\": \"t\", \"later\": [1]}");
        assertEquals("https://m/", SavedLogin.read().orElseThrow().url(), "fields it does not know are skipped");
    }

    @Test
    void tablesLineUpTheirColumns() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Output output = new Output();
        output.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        output.table(List.of("NODE", "SYNC"), List.of(List.of("w-1", "in-sync"), List.of("manager-1", "manager")));
        assertEquals("NODE       SYNC\nw-1        in-sync\nmanager-1  manager\n", out.toString(StandardCharsets.UTF_8));
    }
}
