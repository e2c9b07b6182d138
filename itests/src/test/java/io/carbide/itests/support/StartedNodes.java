package io.carbide.itests.support;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The nodes a test started, killed by pid after each test whatever happened. Register it as a
 * field with {@code @RegisterExtension}, and {@link #add} every node the test creates.
 */
public final class StartedNodes implements AfterEachCallback {

    private final List<NodeProcess> nodes = new ArrayList<>();

    public NodeProcess add(NodeProcess node) {
        nodes.add(node);
        return node;
    }

    /** Adds the node, starts it with bin/start.sh and waits until it is ready. */
    public NodeProcess startReady(NodeProcess node) {
        add(node);
        ScriptResult started = node.start();
        org.junit.jupiter.api.Assertions.assertEquals(0, started.exitCode(), started.output());
        node.awaitReady();
        return node;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stopAll();
    }

    /** Stops every node started here (by pid), e.g. before the test takes away a disk they run on. */
    public void stopAll() {
        nodes.forEach(NodeProcess::close);
        nodes.clear();
    }
}
