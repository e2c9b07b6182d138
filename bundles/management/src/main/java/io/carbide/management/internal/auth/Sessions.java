package io.carbide.management.internal.auth;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;

/**
 * Console log-ins: a random token in an HttpOnly, Secure, SameSite=Strict cookie, kept in memory
 * only (a restarted manager asks everyone to log in again) and forgotten after 30 idle minutes.
 */
@Component(service = Sessions.class)
public class Sessions {

    public static final String COOKIE = "CARBIDE_SESSION";
    static final long IDLE_MILLIS = 30 * 60_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Sessions changing their own user's password: they go on through the change the others end with. */
    private final Set<String> spared = ConcurrentHashMap.newKeySet();

    private record Session(String user, long lastSeen) {
    }

    public String open(String user) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        sessions.put(token, new Session(user, System.currentTimeMillis()));
        return token;
    }

    /** The user logged in with this token, if the session is still open; touching it keeps it open. */
    public Optional<String> user(String token) {
        if (token == null) {
            return Optional.empty();
        }
        long now = System.currentTimeMillis();
        sessions.values().removeIf(s -> now - s.lastSeen() > IDLE_MILLIS);
        Session session = sessions.computeIfPresent(token, (t, s) -> new Session(s.user(), now));
        return Optional.ofNullable(session).map(Session::user);
    }

    public void close(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    /** After a password change or removal, the user's sessions end, but for one {@link #spare spared}. */
    public void closeAll(String user) {
        sessions.entrySet().removeIf(e -> e.getValue().user().equals(user) && !spared.contains(e.getKey()));
    }

    /**
     * Keeps the session open through what {@code change} does to its user: the console that changes
     * its own password stays logged in, with the same token, so the requests it has in flight with
     * that token meanwhile are not refused (a new token in a cookie would race them).
     */
    public <T extends Exception> void spare(String token, Change<T> change) throws T {
        if (token == null) {
            change.run();
            return;
        }
        spared.add(token);
        try {
            change.run();
        } finally {
            spared.remove(token);
        }
    }

    /** What a spared session goes through. */
    @FunctionalInterface
    public interface Change<T extends Exception> {
        void run() throws T;
    }
}
