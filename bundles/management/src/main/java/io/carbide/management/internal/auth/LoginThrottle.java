package io.carbide.management.internal.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slows down password guessing without locking out the people who know their password.
 *
 * <p>Failures are counted per user name and address together (every operator tunnelled in comes
 * from 127.0.0.1, so the address alone would let one person's typos lock out everyone). After
 * {@value #FREE_FAILURES} failures in a row, that name from that address waits 1 s, then twice as
 * long after each further failure, up to {@value #MAX_PAUSE_SECONDS} s. A log-in with another
 * name, or from another address, has its own history and is never held back by this one. Names
 * that are no user are counted the same way, each for itself: a shared history would answer a
 * made-up name at once while a real one is checked, and so tell which names exist. A success
 * clears its history. Checks of one name from one address run one at a time (fair locks, shared
 * by stripes), so guesses sent at once cannot all pass before the first failure counts; a password
 * checked a moment ago needs no check and takes no lock.
 */
@Component(service = LoginThrottle.class)
public class LoginThrottle {

    static final int FREE_FAILURES = 5;
    static final int MAX_PAUSE_SECONDS = 60;
    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);

    private final Map<String, Failures> histories = new ConcurrentHashMap<>();
    /** Striped and fixed, so no lock is ever dropped while held; fair, so nobody waits forever. */
    private final java.util.concurrent.locks.ReentrantLock[] locks = new java.util.concurrent.locks.ReentrantLock[256];
    private final LongSupplier clock;

    private record Failures(int count, long pausedUntil) {
    }

    public LoginThrottle() {
        this(System::currentTimeMillis);
    }

    LoginThrottle(LongSupplier clock) {
        this.clock = clock;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new java.util.concurrent.locks.ReentrantLock(true);
        }
    }

    /** The history a log-in counts against: its name and address. */
    public static String key(String user, String address) {
        return user + "\0" + address;
    }

    /** Seconds this history must still wait, or 0 when it may try. */
    public long secondsToWait(String key) {
        Failures failures = histories.get(key);
        long left = failures == null ? 0 : failures.pausedUntil() - clock.getAsLong();
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    /** The lock that makes checks of one history run one at a time, in arrival order. */
    public java.util.concurrent.locks.Lock lock(String key) {
        return locks[Math.floorMod(key.hashCode(), locks.length)];
    }

    /** Counts a failed attempt, and pauses its history once it has had its free ones. */
    public void failed(String key, String user, String address) {
        Failures before = histories.getOrDefault(key, new Failures(0, 0));
        int count = before.count() + 1;
        long pause = count > FREE_FAILURES
                ? Math.min(MAX_PAUSE_SECONDS * 1000L, 1000L << Math.min(20, count - FREE_FAILURES - 1)) : 0;
        histories.put(key, new Failures(count, pause == 0 ? 0 : clock.getAsLong() + pause));
        if (histories.size() > 100_000) {
            long now = clock.getAsLong();
            histories.values().removeIf(f -> f.pausedUntil() < now); // a flood of names keeps only the paused
        }
        if (pause > 0) {
            LOG.warn("Failed management log-in as '{}' from {} ({} in a row): that name from that address waits {} s",
                    shown(user), address, count, pause / 1000);
        } else {
            LOG.warn("Failed management log-in as '{}' from {} ({} in a row)", shown(user), address, count);
        }
    }

    public void succeeded(String key) {
        histories.remove(key);
    }

    private static String shown(String user) {
        String plain = user.replaceAll("\\p{Cntrl}", "?");
        return plain.length() > 64 ? plain.substring(0, 64) + "..." : plain;
    }
}
