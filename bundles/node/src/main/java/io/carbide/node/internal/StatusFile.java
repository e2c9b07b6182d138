package io.carbide.node.internal;

import io.carbide.node.AtomicFile;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.carbide.node.BundleInfo;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeLifecycle;
import io.carbide.node.NodeStatusContributor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code data/status.json} current: the node's identity, ports, bundles and whatever the
 * other bundles contribute (cluster members, artifacts). {@code bin/status.sh --json} prints it,
 * so the status of a node is readable without a network port, even on a locked-down worker.
 *
 * <p>The file is replaced atomically (write beside, then rename) so a reader never sees half of
 * it; it is rewritten at once on bundle events and otherwise checked every second (every fifth of
 * a second while a node in its first two minutes is not ready yet, so that {@code bin/start.sh
 * --wait}, which reads it, says the node is ready within moments of it), and only written when its
 * content changed.
 */
@Component(service = {}, immediate = true)
public class StatusFile implements BundleListener {

    static final String FILE_NAME = "status.json";
    private static final Logger LOG = LoggerFactory.getLogger(StatusFile.class);
    /** How often the status is checked, and how often while the node starts and is not ready yet. */
    private static final long CHECK_MILLIS = 1000;
    private static final long STARTING_CHECK_MILLIS = 200;
    /** How long a start may take, as far as checking more often goes: a node refused for hours is not starting. */
    private static final long STARTING_NANOS = TimeUnit.MINUTES.toNanos(2);

    private final Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private final List<NodeStatusContributor> contributors = new CopyOnWriteArrayList<>();
    private final NodeIdentity node;
    private final NodeLifecycle lifecycle;
    private final BundleContext context;
    private final Path file;
    private final String startedAt = Instant.now().toString();
    private final long startedNanos = System.nanoTime();
    private final ScheduledExecutorService writer = writer();
    private String lastWritten = "";
    private boolean failureReported;

    @Activate
    public StatusFile(@Reference NodeIdentity node, @Reference NodeLifecycle lifecycle, BundleContext context) {
        this.node = node;
        this.lifecycle = lifecycle;
        this.context = context;
        this.file = node.base().resolve("data").resolve(FILE_NAME);
        context.addBundleListener(this);
        writer.execute(this::check);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addContributor(NodeStatusContributor contributor) {
        contributors.add(contributor);
        requestWrite();
    }

    void removeContributor(NodeStatusContributor contributor) {
        contributors.remove(contributor);
        requestWrite();
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        requestWrite();
    }

    /** One thread; a stop drops the next check instead of waiting for it (writes already asked for still run). */
    private static ScheduledExecutorService writer() {
        ScheduledThreadPoolExecutor writer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "carbide-status-file");
            t.setDaemon(true);
            return t;
        });
        writer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return writer;
    }

    /** Writes the status if it changed, and checks again after a while. */
    private void check() {
        boolean starting = !write() && System.nanoTime() - startedNanos < STARTING_NANOS;
        try {
            writer.schedule(this::check, starting ? STARTING_CHECK_MILLIS : CHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the node is stopping: the status was written for the last time
        }
    }

    private void requestWrite() {
        try {
            writer.execute(this::write);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the node is stopping: the status was written for the last time
        }
    }

    /**
     * A write under way finishes: interrupting it (shutdownNow) closed its file under it, and every
     * stop logged a warning that the status could not be written.
     */
    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
        writer.shutdown();
        try {
            if (!writer.awaitTermination(2, TimeUnit.SECONDS)) {
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    Map<String, Object> snapshot() {
        Map<String, Object> status = NodeReport.identity(node);
        NodeReport.putState(status, NodeReport.readiness(context, lifecycle, contributors));
        status.put("pid", ProcessHandle.current().pid());
        status.put("version", node.version());
        status.put("startedAt", startedAt);
        // how long a stop keeps serving while /health says draining (bin/stop.sh waits that much longer)
        status.put("drainSeconds", Long.getLong("carbide.drain.seconds", 0));
        status.put("base", node.base().toString());
        status.put("ports", NodeReport.ports(node));
        List<Map<String, Object>> bundles = new ArrayList<>();
        for (BundleInfo bundle : BundleInfo.of(context)) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", bundle.id());
            entry.put("symbolicName", bundle.symbolicName());
            entry.put("version", bundle.version());
            entry.put("state", bundle.state());
            bundles.add(entry);
        }
        status.put("bundles", bundles);
        for (NodeStatusContributor contributor : contributors) {
            try {
                status.put(contributor.section(), contributor.status());
            } catch (RuntimeException e) {
                status.put(contributor.section(), Map.of("error", String.valueOf(e.getMessage())));
            }
        }
        return status;
    }

    /** @return whether the node was ready as written (or found unchanged) */
    private synchronized boolean write() {
        boolean ready = false;
        try {
            Map<String, Object> status = snapshot();
            ready = Boolean.TRUE.equals(status.get("ready"));
            String json = gson.toJson(status);
            if (json.equals(lastWritten)) {
                return ready;
            }
            AtomicFile.write(file, (json + "\n").getBytes(StandardCharsets.UTF_8));
            lastWritten = json;
            failureReported = false;
        } catch (IOException | RuntimeException e) {
            if (!failureReported) {
                LOG.warn("Could not write node status to {}: {}; bin/status.sh --json will show stale data "
                        + "until the folder is writable again", file, e.toString());
                failureReported = true;
            }
        }
        return ready;
    }
}
