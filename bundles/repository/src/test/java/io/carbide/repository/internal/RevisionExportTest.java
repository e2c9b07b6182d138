package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeLifecycle;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevisionExportTest {

    private static final String A = "aa".repeat(32);
    private static final String B = "bb".repeat(32);

    @TempDir
    Path base;

    private NodeIdentity node() {
        return (NodeIdentity) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {NodeIdentity.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "base" -> base;
                    case "name" -> "mgr";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static NodeLifecycle lifecycle() {
        return (NodeLifecycle) Proxy.newProxyInstance(RevisionExportTest.class.getClassLoader(),
                new Class<?>[] {NodeLifecycle.class}, (proxy, method, args) -> {
                    if (method.getName().equals("stopForFailure")) {
                        throw new AssertionError("stopped: " + args[0]);
                    }
                    return false;
                });
    }

    @Test
    void aRepositoryCarriedOverDuringAStagedRolloutLeavesItsChangeBehind() throws Exception {
        RevisionStateMachine machine = new RevisionStateMachine(reason -> {
            throw new AssertionError(reason);
        });
        RevisionExport export = new RevisionExport(node(), lifecycle(), machine);
        machine.apply(RevisionCommands.init("repo", 1));
        machine.apply(RevisionCommands.put("app.jar", ArtifactType.BUNDLE, A, 10, "ops", 1)); // 1
        machine.apply(RolloutCommands.start("app.jar", ArtifactType.BUNDLE, B, 11, "ops", 2,
                List.of(List.of("w1"), List.of("w2")), 5, 0.05)); // 2, staged
        export.deactivate(); // lets the writer finish, as a stop does
        assertTrue(Files.readString(base.resolve("data/repository/repository.id")).contains("heldFrom 1"));

        // the managers' consensus is lost; this manager's record is what a new one is seeded from
        RevisionExport survivor = new RevisionExport(node(), lifecycle(), new RevisionStateMachine(reason -> { }));
        List<Change> carried = survivor.carriedOver().orElseThrow().history();
        assertEquals(1, carried.size(), "only what every worker had: " + carried);
        assertEquals(A, carried.get(0).artifact().sha256());
        survivor.deactivate();
    }
}
