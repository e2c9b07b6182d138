package io.carbide.itests.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds port offsets whose client, management and cluster ports are all free on 127.0.0.1, so
 * tests never collide with each other or with a node someone runs on the default ports.
 */
public final class PortOffsets {

    /** Client, management, cluster (its failure detection, its content port), managers' channel (and its failure detection). */
    private static final int[] BASE_PORTS = {9763, 9443, 4000, 4100, 4200, 4500, 4600};

    private PortOffsets() {
    }

    /**
     * Every port of an offset handed out before, in this test run: a node not started yet has not
     * bound them, so only this remembers that another node's 4000 + b may be this one's 9443 + a
     * (it happened once: the worker's "management port" answered, as the manager's cluster port).
     */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static synchronized int free() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int offset = 100 + ThreadLocalRandom.current().nextInt(20_000);
            if (allFree(offset) && java.util.Arrays.stream(BASE_PORTS).noneMatch(base -> HANDED_OUT.contains(base + offset))) {
                java.util.Arrays.stream(BASE_PORTS).forEach(base -> HANDED_OUT.add(base + offset));
                return offset;
            }
        }
        throw new IllegalStateException("no free port offset found");
    }

    /**
     * Several free offsets at once, for nodes that must know each other's ports before any starts;
     * never 100 to 600 apart by hundreds, where one node's 4000/4100/4200/4500/4600 + offset would be another's.
     */
    public static int[] free(int count) {
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            int candidate;
            do {
                candidate = free();
            } while (clashes(offsets, i, candidate));
            offsets[i] = candidate;
        }
        return offsets;
    }

    private static boolean clashes(int[] taken, int count, int candidate) {
        for (int i = 0; i < count; i++) {
            int distance = Math.abs(taken[i] - candidate);
            if (distance <= 600 && distance % 100 == 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean allFree(int offset) {
        for (int base : BASE_PORTS) {
            try (ServerSocket socket = new ServerSocket(base + offset, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }
}
