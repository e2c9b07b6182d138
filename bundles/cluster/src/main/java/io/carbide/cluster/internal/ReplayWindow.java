package io.carbide.cluster.internal;

import java.util.BitSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which sealed messages this node has already taken, per sender salt: the highest counter seen and
 * a window of {@value #WIDTH} below it, as IPsec does. A message seen before, or older than the
 * window, is a replay. Only salts whose messages authenticated get a window, and at most
 * {@value #MAX_SENDERS} of them (the least recently heard from go first: a sender that restarts
 * comes with a new salt anyway).
 *
 * <p>The window is wide because one sender's counter serves all its destinations: messages to
 * this node may arrive a little out of counter order (threads, OOB), never thousands behind.
 */
final class ReplayWindow {

    static final int WIDTH = 8192;
    static final int MAX_SENDERS = 1024;

    private static final class Window {
        long highest;
        final BitSet seen = new BitSet(WIDTH); // bit (counter % WIDTH) for counters in (highest - WIDTH, highest]
    }

    private final Map<String, Window> windows = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > MAX_SENDERS;
        }
    };

    /** True the first time this (salt, counter) is offered within the window; false for a replay. */
    synchronized boolean firstTime(byte[] salt, long counter) {
        Window window = windows.computeIfAbsent(HexFormat.of().formatHex(salt), s -> new Window());
        if (counter <= window.highest - WIDTH || counter <= 0) {
            return false;
        }
        if (counter > window.highest) {
            long shift = counter - window.highest;
            if (shift >= WIDTH) {
                window.seen.clear();
            } else {
                for (long c = window.highest + 1; c <= counter; c++) {
                    window.seen.clear((int) (c % WIDTH));
                }
            }
            window.highest = counter;
        } else if (window.seen.get((int) (counter % WIDTH))) {
            return false;
        }
        window.seen.set((int) (counter % WIDTH));
        return true;
    }
}
