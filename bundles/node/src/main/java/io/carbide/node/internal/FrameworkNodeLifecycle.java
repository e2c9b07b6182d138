package io.carbide.node.internal;

import io.carbide.node.NodeLifecycle;
import io.carbide.node.NodeProperties;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's life as the launcher runs it: draining once the launcher was asked to stop (it sets
 * {@link NodeProperties#DRAINING}) or the framework is stopping; and stopping the node for a
 * failure, which leaves the reason for the launcher to print and exit with code 2.
 */
@Component(service = NodeLifecycle.class)
public class FrameworkNodeLifecycle implements NodeLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(FrameworkNodeLifecycle.class);

    private final BundleContext context;
    private final java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();

    @Activate
    public FrameworkNodeLifecycle(BundleContext context) {
        this.context = context;
    }

    @Override
    public boolean isDraining() {
        return Boolean.parseBoolean(context.getProperty(NodeProperties.DRAINING))
                || context.getBundle(0).getState() == Bundle.STOPPING;
    }

    @Override
    public void stopForFailure(String reason) {
        if (!failed.compareAndSet(false, true)) {
            return; // the first failure is the one to fix
        }
        LOG.error("{}; the node stops", reason);
        System.setProperty(NodeProperties.FAILURE, reason);
        // not on the caller's thread: it may be a component being activated by the framework
        Thread stopper = new Thread(() -> {
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                LOG.error("Could not stop the node after a failure: {}", e.toString());
            }
        }, "carbide-failure-stop");
        stopper.setDaemon(true);
        stopper.start();
    }
}
