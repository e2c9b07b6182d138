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

    private static final int[] BASE_PORTS = {9763, 9443, 4000};

    private PortOffsets() {
    }

    public static int free() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int offset = 100 + ThreadLocalRandom.current().nextInt(20_000);
            if (allFree(offset)) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port offset found");
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
