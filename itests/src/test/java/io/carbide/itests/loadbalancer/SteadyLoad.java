package io.carbide.itests.loadbalancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client sending a steady, bounded rate of requests to the service through the load balancer,
 * each on a new connection, for as long as a test runs: it counts every request, every one that
 * did not get a 200 (with the first few described) and which node served the others.
 */
final class SteadyLoad implements AutoCloseable {

    private static final int DESCRIBED = 10;

    private final int port;
    private final String path;
    private final ExecutorService senders;
    private final Thread pacer;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Map<String, Long> servedBy = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private volatile boolean running = true;

    /** Starts sending {@code perSecond} requests a second for {@code path} with the service's Host header. */
    SteadyLoad(int port, String path, int perSecond) {
        this.port = port;
        this.path = path;
        // enough senders that a request waiting on a slow answer never holds the rate back
        this.senders = Executors.newFixedThreadPool(32, runnable -> {
            Thread thread = new Thread(runnable, "steady-load");
            thread.setDaemon(true);
            return thread;
        });
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        this.pacer = new Thread(() -> {
            long next = System.nanoTime();
            while (running) {
                senders.execute(this::sendOne);
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "steady-load-pacer");
        pacer.setDaemon(true);
        pacer.start();
    }

    private void sendOne() {
        sent.incrementAndGet();
        String outcome;
        try {
            Balancer.Answer answer = Balancer.get(port, Balancer.SERVICE, path);
            if (answer.status() == 200) {
                synchronized (servedBy) {
                    servedBy.merge(answer.node(), 1L, Long::sum);
                }
                return;
            }
            outcome = "status " + answer.status() + " from '" + answer.node() + "'";
        } catch (Exception e) {
            outcome = e.toString();
        }
        failed.incrementAndGet();
        synchronized (failures) {
            if (failures.size() < DESCRIBED) {
                failures.add(System.currentTimeMillis() + " " + outcome);
            }
        }
    }

    long sent() {
        return sent.get();
    }

    long failed() {
        return failed.get();
    }

    /** How many requests each node served. */
    Map<String, Long> servedBy() {
        synchronized (servedBy) {
            return new TreeMap<>(servedBy);
        }
    }

    /** The first failed requests, with the time and what went wrong. */
    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /** Stops sending and waits for the requests still under way. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        pacer.interrupt();
        pacer.join();
        senders.shutdown();
        senders.awaitTermination(30, TimeUnit.SECONDS);
    }
}
