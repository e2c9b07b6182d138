package io.carbide.cluster.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Logs traffic a node refuses (garbage, tampered or foreign messages) at most once per source per
 * interval, with the count of what was left out, so that a flood cannot rotate the real history
 * (failed log-ins, deploys) out of the log. Sources are bounded: beyond {@value #MAX_SOURCES}, the
 * rest share one line.
 */
final class BadTrafficLog {

    static final int MAX_SOURCES = 256;
    private static final String OTHERS = "other sources";

    private final Logger log;
    private final long intervalMillis;
    private final Map<String, long[]> bySource = new LinkedHashMap<>(); // source -> {last logged, left out}

    BadTrafficLog(Logger log, long intervalMillis) {
        this.log = log;
        this.intervalMillis = intervalMillis;
    }

    /** {@code what} is one line without a stack trace; it is logged now, or counted for the next line. */
    void report(String source, String what) {
        report(source, () -> what);
    }

    /** As {@link #report(String, String)}, the line made only when it is logged. */
    void report(String source, java.util.function.Supplier<String> what) {
        long now = System.currentTimeMillis();
        long leftOut;
        String key;
        synchronized (bySource) {
            prune(now);
            key = bySource.containsKey(source) || bySource.size() < MAX_SOURCES ? source : OTHERS;
            long[] seen = bySource.computeIfAbsent(key, k -> new long[] {0, 0});
            if (now - seen[0] < intervalMillis) {
                seen[1]++;
                return;
            }
            leftOut = seen[1];
            seen[0] = now;
            seen[1] = 0;
        }
        log.warn("{}{}", what.get(), leftOut == 0 ? "" : " (and " + leftOut + " more from " + key + " in the last "
                + intervalMillis / 1000 + " s)");
    }

    private void prune(long now) {
        for (Iterator<long[]> it = bySource.values().iterator(); it.hasNext();) {
            long[] seen = it.next();
            if (seen[1] == 0 && now - seen[0] > intervalMillis) {
                it.remove();
            }
        }
    }
}
