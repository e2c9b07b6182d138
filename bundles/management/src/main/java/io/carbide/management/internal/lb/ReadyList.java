package io.carbide.management.internal.lb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which nodes the load balancer is given, from one round of {@code /health} probes after another.
 * A node that answers anything but 200 (starting, catching up, draining), or on whose port
 * nothing listens, leaves the list at once: that is definite. A node that does not answer in time leaves it only after {@link #MISSES}
 * rounds in a row, because one round of silence from every node at once is far more often the
 * manager itself stalled (a GC pause, a busy machine) than the whole fleet dead, and emptying the
 * list on it would turn every client request into a 502. A node that is really gone also leaves
 * the cluster view within seconds, which takes it out regardless.
 */
final class ReadyList {

    /** Rounds without an answer before a listed node is taken out. */
    static final int MISSES = 2;

    /** What one probe found. */
    enum Probe {
        /** {@code /health} answered 200. */
        READY,
        /** {@code /health} answered, with another status; or nothing listens on the node's port. */
        NOT_READY,
        /** No answer in time. */
        SILENT;

        /** What a probe that got no answer found: nothing listening is definite, anything else may be a stall. */
        static Probe failed(Throwable failure) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                if (cause instanceof java.net.http.HttpTimeoutException) {
                    return SILENT; // a connect that timed out carries a ConnectException as its cause
                }
                if (cause instanceof java.net.ConnectException) {
                    return NOT_READY;
                }
            }
            return SILENT;
        }
    }

    private final Set<Backends.Server> listed = new HashSet<>();
    private final Map<Backends.Server, Integer> misses = new HashMap<>();

    /** The servers to list after this round, in the order given; forgets servers no longer in it. */
    List<Backends.Server> update(List<Backends.Server> servers, List<Probe> probes) {
        listed.retainAll(servers);
        misses.keySet().retainAll(servers);
        List<Backends.Server> ready = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            Backends.Server server = servers.get(i);
            switch (probes.get(i)) {
                case READY -> {
                    listed.add(server);
                    misses.remove(server);
                }
                case NOT_READY -> {
                    listed.remove(server);
                    misses.remove(server);
                }
                case SILENT -> {
                    if (misses.merge(server, 1, Integer::sum) >= MISSES) {
                        listed.remove(server);
                    }
                }
            }
            if (listed.contains(server)) {
                ready.add(server);
            }
        }
        return ready;
    }
}
