package io.carbide.deployment.internal;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread a node's deployment runs on, watched. Every step (a sync, a batch of bundles, a
 * check of what runs) runs there in turn, so a step that hangs, say a framework refresh waiting
 * for a lock or a send that does not return, holds every later change back without a word. Once
 * a step has run for longer than the limit, one warning says so and where the thread stands, for
 * the operator and for whoever fixes it; a step that ends after that is logged too.
 */
final class WatchedWorker extends ScheduledThreadPoolExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(WatchedWorker.class);
    private static final int FRAMES = 14;

    private final String name;
    private final long limitNanos;
    private final ScheduledExecutorService watch;
    private volatile Thread thread;
    /** When the running step began (System.nanoTime), or 0 between steps. */
    private volatile long stepStartedAt;
    private volatile boolean warned;

    WatchedWorker(String name, long limitSeconds) {
        super(1);
        this.name = name;
        this.limitNanos = TimeUnit.SECONDS.toNanos(limitSeconds);
        setThreadFactory(runnable -> {
            Thread created = new Thread(runnable, name);
            created.setDaemon(true);
            thread = created;
            return created;
        });
        watch = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread watcher = new Thread(runnable, name + "-watch");
            watcher.setDaemon(true);
            return watcher;
        });
        long every = Math.max(1, limitSeconds / 6);
        watch.scheduleWithFixedDelay(this::look, every, every, TimeUnit.SECONDS);
    }

    /** The thread steps run on; null before the first. */
    Thread thread() {
        return thread;
    }

    @Override
    protected void beforeExecute(Thread running, Runnable step) {
        stepStartedAt = System.nanoTime();
    }

    @Override
    protected void afterExecute(Runnable step, Throwable failure) {
        long began = stepStartedAt;
        stepStartedAt = 0;
        if (warned) {
            warned = false;
            LOG.info("The {} thread's long step ended after {} s", name, (System.nanoTime() - began) / 1_000_000_000L);
        }
    }

    /** How long the running step has run, in seconds, once that is longer than the limit; else 0. */
    long longStepSeconds() {
        long began = stepStartedAt;
        long ran = System.nanoTime() - began;
        return began == 0 || ran < limitNanos ? 0 : Math.max(1, ran / 1_000_000_000L);
    }

    private void look() {
        long seconds = longStepSeconds();
        Thread running = thread;
        if (seconds == 0 || warned || running == null) {
            return;
        }
        warned = true;
        LOG.warn("The {} thread has been on one step for {} s; later changes to this node wait for it. It is at: {}",
                name, seconds, where(running.getStackTrace()));
    }

    static String where(StackTraceElement[] stack) {
        List<String> frames = Arrays.stream(stack).limit(FRAMES).map(StackTraceElement::toString).toList();
        return frames.stream().collect(Collectors.joining(" < ")) + (stack.length > FRAMES ? " < ..." : "");
    }

    @Override
    public void shutdown() {
        watch.shutdownNow();
        super.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        watch.shutdownNow();
        return super.shutdownNow();
    }
}
