package io.carbide.itests.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a client (or a load balancer) sees of a fleet while something bad happens to it: polls a
 * set of URLs on the client ports every 100 ms from a thread of its own, and keeps every answer
 * that was not a 200. Start it, do the damage, stop it, and assert {@link #failures()} is empty.
 */
public final class AvailabilityProbe implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<String> urls = new ArrayList<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong requests = new AtomicLong();
    private final List<String> successes = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running;
    private Thread thread;

    /** Polls {@code path} on the node's client port. */
    public AvailabilityProbe watch(NodeProcess node, String path) {
        urls.add("http://" + node.host() + ":" + node.clientPort() + path);
        return this;
    }

    public AvailabilityProbe start() {
        running = true;
        thread = new Thread(this::poll, "availability-probe");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void poll() {
        while (running) {
            long began = System.nanoTime();
            for (String url : urls) {
                requests.incrementAndGet();
                try {
                    HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                    String outcome = System.currentTimeMillis() + " " + url + " -> " + response.statusCode();
                    (response.statusCode() == 200 ? successes : failures).add(outcome);
                } catch (java.io.IOException e) {
                    failures.add(System.currentTimeMillis() + " " + url + " -> " + e);
                } catch (InterruptedException e) {
                    return;
                }
            }
            long left = 100 - (System.nanoTime() - began) / 1_000_000;
            if (left > 0) {
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Lets the probe run for a while, e.g. while a manager is frozen. */
    public void runFor(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }

    public long requests() {
        return requests.get();
    }

    /** The answers that were a 200: for a node that must never be ready, this must stay empty. */
    public List<String> successes() {
        synchronized (successes) {
            return List.copyOf(successes);
        }
    }

    public List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(10_000);
        }
    }
}
