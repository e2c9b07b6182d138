package io.carbide.itests.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.CarbideCli;
import io.carbide.itests.support.CarbideCli.Run;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/carbide} from the distribution against a real manager and worker: every command, as
 * an operator types it, with its exit code; bad arguments (exit 2), a wrong password (exit 3), and
 * a saved log-in that stops working once the user's password changes.
 */
class CliTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String PASSWORD = "cli-test-password";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    /** bin/carbide with these arguments and environment, its own log-in file, no terminal. */
    private Run carbide(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        return CarbideCli.run(temp, environment, args);
    }

    private Run carbide(String... args) throws IOException, InterruptedException {
        return carbide(Map.of(), args);
    }

    private Run ok(String... args) throws IOException, InterruptedException {
        Run run = carbide(args);
        assertEquals(0, run.exitCode(), "bin/carbide " + String.join(" ", args) + ":\n" + run.all());
        return run;
    }

    @Test
    void everyCommandAgainstARealManagerWithExitCodesScriptsCanUse() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        NodeProcess worker = started.startReady(new NodeProcess(temp.resolve("w1"), "worker", "-Dnode=w1",
                manager.asWellKnownMember()));
        String base = "--base=" + manager.base();

        // not logged in: exit 3 before anything is sent; a wrong password: exit 3, one line
        Run anonymous = carbide("nodes", base);
        assertEquals(3, anonymous.exitCode(), anonymous.all());
        Run wrong = carbide(Map.of("CARBIDE_PASSWORD", "not-the-password"), "login", base);
        assertEquals(3, wrong.exitCode(), wrong.all());
        assertEquals(1, wrong.err().lines().count(), wrong.err());
        assertTrue(wrong.err().startsWith("carbide: wrong user name or password"), wrong.err());

        // log in once: the password comes from the environment, the token lands in an owner-only file
        Run login = carbide(Map.of("CARBIDE_PASSWORD", PASSWORD), "login", base);
        assertEquals(0, login.exitCode(), login.all());
        Path saved = temp.resolve("login/login.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)));
        assertTrue(!Files.readString(saved).contains(PASSWORD), "the password is never stored");

        awaitOutput(() -> ok("nodes").out(), "w1");
        Run nodes = ok("nodes");
        assertTrue(nodes.out().startsWith("NODE") && nodes.out().contains("mgr *"), nodes.out());
        assertTrue(JsonParser.parseString(ok("nodes", "--json").out()).getAsJsonObject().has("members"));
        assertTrue(ok("status").out().contains("Members     2: 1 serving clients"), ok("status").out());
        // moving a worker to this manager's repository: by name (w1 follows it already, so nothing changes)
        Run adopted = ok("adopt", "w1");
        assertTrue(adopted.out().startsWith("1 worker(s) now follow repository ") && adopted.out().contains(" of mgr: w1"),
                adopted.out());
        Run nobody = carbide("adopt", "nobody");
        assertEquals(1, nobody.exitCode(), nobody.all());
        assertTrue(nobody.err().contains("no member named nobody") && nobody.err().contains("bin/carbide nodes lists"),
                nobody.err());
        Run aManager = carbide("adopt", "mgr"); // a manager follows the managers' log: not moved, and said so
        assertEquals(1, aManager.exitCode(), aManager.all());
        assertTrue(aManager.err().contains("mgr is not a worker"), aManager.err());
        Run all = ok("status", "--all");
        assertTrue(all.out().contains(manager.base().toString()) && all.out().contains(worker.base().toString()),
                all.out());

        Run deploy = ok("deploy", Artifacts.helloSite().toString());
        assertTrue(deploy.out().startsWith("hello-site.zip created at revision 1"), deploy.out());
        worker.awaitHttp("/hello-site/", 200, "Carbide", CONVERGE);
        ok("deploy", Artifacts.helloServlet().toString());
        Run set = ok("config", "set", "hello", "greeting=Hello from the CLI");
        assertTrue(set.out().startsWith("hello saved"), set.out());
        worker.awaitHttp("/hello", 200, "Hello from the CLI", CONVERGE);
        assertEquals("Hello from the CLI", JsonParser.parseString(ok("config", "get", "hello", "--json").out())
                .getAsJsonObject().getAsJsonObject("properties").get("greeting").getAsString());
        Run history = ok("history");
        assertTrue(history.out().contains("hello.cfg") && history.out().contains("admin"), history.out());

        Run rollback = ok("rollback", "1");
        assertTrue(rollback.out().startsWith("rolled back to revision 1"), rollback.out());
        worker.awaitHttp("/hello", 404, null, CONVERGE);
        assertTrue(ok("history", "--limit", "1").out().contains("rollback to 1"));
        Run missing = carbide("rollback", "999");
        assertEquals(1, missing.exitCode(), missing.all());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        ok("undeploy", "hello-site.zip");
        worker.awaitHttp("/hello-site/", 404, null, CONVERGE);
        assertTrue(ok("users").out().contains("admin"));

        // a staged rollout to the one worker, followed and finished from the command line
        assertTrue(ok("rollout", "status").out().startsWith("No staged rollout yet"));
        Run staged = ok("deploy", Artifacts.helloServlet().toString(), "--canary", "1", "--settle", "1");
        assertTrue(staged.out().contains("reaches the workers in 1 wave, w1") && staged.out().contains("rollout status"),
                staged.out());
        awaitOutput(() -> ok("rollout", "status").out(), "completed");
        Run status = ok("rollout", "status");
        assertTrue(status.out().contains("WAVE") && status.out().contains("w1") && status.out().contains("applied"),
                status.out());
        worker.awaitHttp("/hello", 200, null, CONVERGE);
        Run nothingToPause = carbide("rollout", "pause");
        assertEquals(1, nothingToPause.exitCode(), nothingToPause.all());
        assertTrue(nothingToPause.err().contains("nothing to pause"), nothingToPause.err());

        // bad arguments: one line, exit 2, nothing sent
        for (String[] bad : new String[][] {{"rollback"}, {"history", "--limit", "0"}, {"config", "set", "hello", "novalue"},
                {"deploy", "/no/such/file.jar"}, {"deploy", Artifacts.helloSite().toString(), "--settle", "5"},
                {"adopt"}, {"adopt", "w1", "--all"}, {"frobnicate"}}) {
            Run run = carbide(bad);
            assertEquals(2, run.exitCode(), String.join(" ", bad) + ": " + run.all());
            assertEquals(1, run.err().lines().count(), run.err());
        }

        // the saved token ends when the user's password changes
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);
        assertEquals(200, api.putJson("/api/users/admin", "{\"password\": \"a-new-cli-password\"}").status());
        Run afterChange = carbide("nodes");
        assertEquals(3, afterChange.exitCode(), afterChange.all());
        assertTrue(afterChange.err().contains("the session has ended") && afterChange.err().contains("bin/carbide login"),
                afterChange.err());

        // a log-out ends the session on the manager, not only the saved file: a copy of the token kept aside is refused
        Run again = carbide(Map.of("CARBIDE_PASSWORD", "a-new-cli-password"), "login", base);
        assertEquals(0, again.exitCode(), again.all());
        ok("nodes");
        byte[] keptAside = Files.readAllBytes(saved);
        Run logout = ok("logout");
        assertTrue(logout.out().startsWith("Logged out"), logout.out());
        assertFalse(Files.exists(saved), "the saved log-in is gone");
        Files.write(saved, keptAside);
        Files.setPosixFilePermissions(saved, PosixFilePermissions.fromString("rw-------"));
        Run reused = carbide("nodes");
        assertEquals(3, reused.exitCode(), reused.all());
        assertTrue(reused.err().contains("the session has ended"), reused.err());
    }

    private interface Output {
        String get() throws Exception;
    }

    private static void awaitOutput(Output output, String wanted) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = output.get();
            if (last.contains(wanted)) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("never showed " + wanted + ":\n" + last);
    }
}
