package io.carbide.management.internal.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every failed log-in, and after {@value #FAILURES_BEFORE_PAUSE} failures in a row from one
 * address refuses that address's log-ins for {@value #PAUSE_SECONDS} s, so passwords cannot be
 * guessed at full speed.
 */
@Component(service = LoginThrottle.class)
public class LoginThrottle {

    static final int FAILURES_BEFORE_PAUSE = 5;
    static final int PAUSE_SECONDS = 30;
    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);

    private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();

    private record Failures(int count, long pausedUntil) {
    }

    /** Seconds the address must still wait, or 0 when it may try. */
    public long secondsToWait(String address) {
        Failures failures = byAddress.get(address);
        long left = failures == null ? 0 : failures.pausedUntil() - System.currentTimeMillis();
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    public void failed(String user, String address) {
        Failures now = byAddress.merge(address, new Failures(1, 0),
                (old, one) -> new Failures(old.count() + 1, old.pausedUntil()));
        LOG.warn("Failed management log-in as '{}' from {} ({} in a row from that address)", user, address,
                now.count());
        if (now.count() % FAILURES_BEFORE_PAUSE == 0) {
            byAddress.put(address, new Failures(now.count(), System.currentTimeMillis() + PAUSE_SECONDS * 1000L));
            LOG.warn("{} failed management log-ins in a row from {}: refusing its log-ins for {} s", now.count(),
                    address, PAUSE_SECONDS);
        }
    }

    public void succeeded(String address) {
        byAddress.remove(address);
    }
}
