package io.carbide.cluster.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jgroups.PhysicalAddress;

/**
 * Decides whether this node may answer a message it could not authenticate (a refusal, or the
 * earlier format's discovery). Such an answer goes where an unauthenticated packet says, so it is
 * kept from becoming a tool: at most {@value #PER_SECOND} a second in all and one a second per
 * destination, and only over a path that needs no new connection ({@code path}: on TCP, a
 * connection the other side opened; a new one would be opened under the transport's global lock,
 * stalling every other connect, and could reach anywhere).
 */
final class ReplyGate {

    static final int PER_SECOND = 10;
    private static final long PER_DESTINATION_MILLIS = 1_000;
    private static final int MAX_DESTINATIONS = 256;

    private final Predicate<PhysicalAddress> path;
    private final Map<String, Long> lastTo = new LinkedHashMap<>(16, 0.75f, true);
    private long windowStart;
    private int inWindow;

    ReplyGate(Predicate<PhysicalAddress> path) {
        this.path = path;
    }

    /** @param what the kind of answer: each kind has its own once-a-second per destination */
    synchronized boolean mayAnswer(PhysicalAddress to, String what, long now) {
        if (to == null) {
            return false;
        }
        if (now - windowStart >= 1_000) {
            windowStart = now;
            inWindow = 0;
        }
        String key = what + " " + to;
        Long last = lastTo.get(key);
        if (inWindow >= PER_SECOND || last != null && now - last < PER_DESTINATION_MILLIS || !path.test(to)) {
            return false;
        }
        inWindow++;
        lastTo.put(key, now);
        if (lastTo.size() > MAX_DESTINATIONS) {
            Iterator<String> eldest = lastTo.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return true;
    }
}
