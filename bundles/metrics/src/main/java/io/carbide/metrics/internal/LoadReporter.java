package io.carbide.metrics.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.SubDomain;
import io.carbide.metrics.LoadProtocol;
import io.carbide.metrics.NodeLoad;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this node's load to every manager every {@value LoadProtocol#INTERVAL_SECONDS} s. The
 * figures are cumulative, so a sample lost on the way costs a manager nothing but resolution.
 */
final class LoadReporter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LoadReporter.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-load-reporter");
        thread.setDaemon(true);
        return thread;
    });

    LoadReporter(Cluster cluster, NodeLoad load) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                if (cluster.isJoined()) {
                    cluster.sendTo(SubDomain.MGT, LoadProtocol.encode(load.sample()));
                }
            } catch (RuntimeException e) { // one failed send must not end the schedule
                LOG.debug("Could not send this node's load to the managers: {}", e.toString());
            }
        }, LoadProtocol.INTERVAL_SECONDS, LoadProtocol.INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
