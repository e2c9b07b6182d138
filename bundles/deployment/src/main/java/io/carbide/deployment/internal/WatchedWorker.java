package io.carbide.deployment.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * for a lock or a send that does not return, holds every later change back without a word. A step
 * that has used no CPU for longer than the limit is stalled, not busy: a transfer of a large
 * artifact over a slow link decrypts, digests and writes all along, and is left alone. One warning
 * then says so and where the thread stands, for the operator and for whoever fixes it; a line
 * follows when that step ends.
 */
final class WatchedWorker extends ScheduledThreadPoolExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(WatchedWorker.class);
    private static final int FRAMES = 40;
    /** CPU a step must use between two looks to count as at work (its own, not the whole JVM's). */
    private static final long AT_WORK_CPU_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final String name;
    private final long limitNanos;
    private final long lookEverySeconds;
    private final ScheduledExecutorService watch;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private volatile Thread thread;
    private boolean watching; // the worker thread's own: the watch starts with the first step
    /** When the running step began (System.nanoTime), or 0 between steps. */
    private volatile long stepStartedAt;
    /** The start of the step last warned about, or 0. */
    private volatile long warnedStep;
    private volatile long stalledSeconds;
    // the watch thread's own
    private long lookedAtStep;
    private long lastCpu;
    private long lastAtWork;

    WatchedWorker(String name, long limitSeconds) {
        super(1);
        this.name = name;
        this.limitNanos = TimeUnit.SECONDS.toNanos(limitSeconds);
        this.lookEverySeconds = Math.max(1, limitSeconds / 6);
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
    }

    /** The thread steps run on; null before the first. */
    Thread thread() {
        return thread;
    }

    /** How long the running step has been stalled, in seconds, once that is longer than the limit; else 0. */
    long stalledSeconds() {
        return stalledSeconds;
    }

    @Override
    protected void beforeExecute(Thread running, Runnable step) {
        if (!watching) {
            watching = true;
            watch.scheduleWithFixedDelay(this::look, lookEverySeconds, lookEverySeconds, TimeUnit.SECONDS);
        }
        stepStartedAt = System.nanoTime();
    }

    @Override
    protected void afterExecute(Runnable step, Throwable failure) {
        long began = stepStartedAt;
        stepStartedAt = 0;
        if (began != 0 && warnedStep == began) {
            warnedStep = 0;
            LOG.info("The {} thread's stalled step ended after {} s", name, (System.nanoTime() - began) / 1_000_000_000L);
        }
    }

    private void look() {
        long began = stepStartedAt;
        Thread running = thread;
        long now = System.nanoTime();
        if (began == 0 || running == null) {
            stalledSeconds = 0;
            return;
        }
        long cpu = cpuTime(running);
        if (began != lookedAtStep) {
            lookedAtStep = began;
            lastCpu = cpu;
            lastAtWork = began;
        } else if (cpu >= 0 && cpu - lastCpu >= AT_WORK_CPU_NANOS) {
            lastCpu = cpu;
            lastAtWork = now;
        }
        long stalled = now - lastAtWork;
        stalledSeconds = stalled < limitNanos ? 0 : Math.max(1, stalled / 1_000_000_000L);
        if (stalledSeconds == 0 || warnedStep == began) {
            return;
        }
        warnedStep = began;
        LOG.warn("The {} thread has been stalled on one step for {} s (it began {} s ago); later changes to this node "
                + "wait for it. It is at: {}", name, stalledSeconds, (now - began) / 1_000_000_000L,
                where(running.getStackTrace()));
    }

    /** The thread's CPU time in nanoseconds, or -1 where the JVM does not measure it (then time alone counts). */
    private long cpuTime(Thread running) {
        try {
            return threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
                    ? threads.getThreadCpuTime(running.getId()) : -1;
        } catch (UnsupportedOperationException e) {
            return -1;
        }
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
