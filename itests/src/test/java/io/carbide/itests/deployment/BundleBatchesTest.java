package io.carbide.itests.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles deploy the way Felix File Install deploys them, on a real worker: an app that imports a
 * library starts once the library is there, whatever order they came in, at once or one by one,
 * and again after a restart; an updated library is refreshed into its dependents; a fragment that
 * comes after its host attaches; a bundle of a role the worker lacks is refused without keeping
 * any other bundle from resolving.
 */
class BundleBatchesTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void bundlesStartWhateverTheOrderAndRefreshAttachAndRefuseAsFileInstallWould() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr"));
        NodeProcess worker = started.startReady(new NodeProcess(temp.resolve("w-1"), "worker", "-Dnode=w-1",
                manager.asWellKnownMember()));
        Path deploy = manager.deployDir();

        // one by one, the app first: it cannot start without its library, then starts once the library comes
        Artifacts.drop(app("app", "lib.api", "[1,3)"), deploy, "app.jar");
        JsonObject waiting = awaitArtifact(worker, "app.jar", "failed");
        assertTrue(reason(waiting, "app.jar").contains("lib.api"), "the resolver's reason: " + waiting);
        Artifacts.drop(lib("lib", "lib.api", "1.0.0"), deploy, "lib.jar");
        awaitArtifact(worker, "app.jar", "active");
        awaitArtifact(worker, "lib.jar", "active");

        // at once, the app again first in name and time
        Artifacts.drop(app("app-b", "lib.b", "[1,2)"), deploy, "app-b.jar");
        Artifacts.drop(lib("lib-b", "lib.b", "1.0.0"), deploy, "lib-b.jar");
        awaitArtifact(worker, "app-b.jar", "active");
        awaitArtifact(worker, "lib-b.jar", "active");

        // an update of the library: refreshed into the app, nothing left on the old revision
        Artifacts.drop(lib("lib", "lib.api", "2.0.0"), deploy, "lib.jar");
        worker.awaitStatus(s -> revisionOf(s, "lib.jar") == revisionOf(manager.statusJson(), "lib.jar")
                && "active".equals(stateOf(s, "lib.jar")), CONVERGE, "lib.jar 2.0.0 active");
        JsonObject afterUpdate = worker.awaitStatus(s -> s.getAsJsonObject("deployment").get("removalPending")
                .getAsInt() == 0, CONVERGE, "no bundle left on a removed revision");
        assertEquals("active", stateOf(afterUpdate, "app.jar"));

        // a fragment after its host
        Artifacts.drop(Artifacts.bundle(temp.resolve("host.jar"), Map.of("Bundle-SymbolicName", "test.host",
                "Bundle-Version", "1.0.0")), deploy, "host.jar");
        awaitArtifact(worker, "host.jar", "active");
        Artifacts.drop(Artifacts.bundle(temp.resolve("fragment.jar"), Map.of("Bundle-SymbolicName", "test.fragment",
                "Bundle-Version", "1.0.0", "Fragment-Host", "test.host")), deploy, "fragment.jar");
        awaitArtifact(worker, "fragment.jar", "active");

        // a manager's bundle is refused on the worker, and every bundle after it still starts
        Artifacts.drop(Artifacts.bundle(temp.resolve("console-plugin.jar"), Map.of("Bundle-SymbolicName",
                "test.console.plugin", "Bundle-Version", "1.0.0", "Carbide-Role", "manager",
                "Import-Package", "jakarta.servlet")), deploy, "console-plugin.jar");
        JsonObject refused = awaitArtifact(worker, "console-plugin.jar", "failed");
        assertTrue(reason(refused, "console-plugin.jar").startsWith("refused: "), refused.toString());
        Artifacts.drop(Artifacts.helloServlet(), deploy, "hello-servlet.jar");
        Artifacts.drop(Artifacts.bundle(temp.resolve("plain.jar"), Map.of("Bundle-SymbolicName", "test.plain",
                "Bundle-Version", "1.0.0", "Import-Package", "org.osgi.framework")), deploy, "plain.jar");
        awaitArtifact(worker, "hello-servlet.jar", "active");
        awaitArtifact(worker, "plain.jar", "active");
        worker.awaitHttp("/hello", 200, null, CONVERGE);

        // a restart deploys the same way: everything that ran runs again
        assertEquals(0, worker.stop().exitCode());
        assertEquals(0, worker.start().exitCode());
        worker.awaitReady();
        for (String name : new String[] {"app.jar", "lib.jar", "app-b.jar", "lib-b.jar", "host.jar", "fragment.jar",
                "hello-servlet.jar", "plain.jar"}) {
            awaitArtifact(worker, name, "active");
        }
        assertEquals("failed", stateOf(worker.statusJson(), "console-plugin.jar"));
    }

    private Path lib(String file, String pkg, String version) throws Exception {
        return Artifacts.bundle(temp.resolve(file + "-" + version + ".jar"), Map.of("Bundle-SymbolicName", "test." + file,
                "Bundle-Version", version, "Export-Package", pkg + ";version=" + version));
    }

    private Path app(String file, String pkg, String range) throws Exception {
        return Artifacts.bundle(temp.resolve(file + ".jar"), Map.of("Bundle-SymbolicName", "test." + file,
                "Bundle-Version", "1.0.0", "Import-Package", pkg + ";version=\"" + range + "\""));
    }

    private static JsonObject awaitArtifact(NodeProcess worker, String name, String state) {
        return worker.awaitStatus(s -> state.equals(stateOf(s, name)), CONVERGE, name + " " + state);
    }

    private static JsonObject artifact(JsonObject status, String name) {
        for (JsonElement entry : status.getAsJsonObject("deployment").getAsJsonArray("artifacts")) {
            if (name.equals(entry.getAsJsonObject().get("name").getAsString())) {
                return entry.getAsJsonObject();
            }
        }
        return null;
    }

    private static String stateOf(JsonObject status, String name) {
        JsonObject artifact = artifact(status, name);
        return artifact == null ? null : artifact.get("state").getAsString();
    }

    private static String reason(JsonObject status, String name) {
        JsonObject artifact = artifact(status, name);
        return artifact == null || !artifact.has("reason") ? "" : artifact.get("reason").getAsString();
    }

    private static long revisionOf(JsonObject status, String name) {
        if (status.has("repository")) {
            for (JsonElement entry : status.getAsJsonObject("repository").getAsJsonArray("artifacts")) {
                if (name.equals(entry.getAsJsonObject().get("name").getAsString())) {
                    return entry.getAsJsonObject().get("revision").getAsLong();
                }
            }
            return -1;
        }
        JsonObject artifact = artifact(status, name);
        return artifact == null ? -2 : artifact.get("revision").getAsLong();
    }
}
