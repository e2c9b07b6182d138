package io.carbide.management.internal.auth;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Who is asking: the console's session cookie; a session token as {@code Authorization: Bearer}
 * (what {@code bin/carbide login} keeps: a browser never sends one by itself, so it needs no
 * cross-site check); or HTTP Basic credentials for scripts and curl.
 * Wrong credentials count against the caller's address in the {@link LoginThrottle}.
 */
@Component(service = Authenticator.class)
public class Authenticator {

    private final Users users;
    private final Sessions sessions;
    private final LoginThrottle throttle;

    /**
     * The outcome: a user (and whether the console's session cookie said so), nobody (no
     * credentials), refused credentials, or a name that must wait after failed log-ins.
     */
    public record Outcome(Optional<String> user, boolean refused, long secondsToWait, boolean bySession) {
        Outcome(Optional<String> user, boolean refused, long secondsToWait) {
            this(user, refused, secondsToWait, false);
        }

        static Outcome of(String user) {
            return new Outcome(Optional.of(user), false, 0, false);
        }
    }

    @Activate
    public Authenticator(@Reference Users users, @Reference Sessions sessions, @Reference LoginThrottle throttle) {
        this.users = users;
        this.sessions = sessions;
        this.throttle = throttle;
    }

    public Outcome authenticate(HttpServletRequest request) {
        Optional<String> bySession = sessions.user(sessionToken(request));
        if (bySession.isPresent()) {
            return new Outcome(bySession, false, 0, true);
        }
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            Optional<String> byToken = sessions.user(header.substring(7).strip());
            return byToken.isPresent() ? Outcome.of(byToken.get()) : new Outcome(Optional.empty(), true, 0);
        }
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return new Outcome(Optional.empty(), false, 0);
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            decoded = "";
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        return logIn(user, password, request.getRemoteAddr());
    }

    /** Checks a user name and password, as the log-in form and HTTP Basic both do ({@link LoginThrottle}). */
    public Outcome logIn(String user, String password, String address) {
        String key = LoginThrottle.key(user, address);
        if (users.remembered(user, password)) {
            return Outcome.of(user); // checked a moment ago: scripts calling often neither wait nor queue
        }
        java.util.concurrent.locks.Lock lock = throttle.lock(key);
        lock.lock();
        try {
            long wait = throttle.secondsToWait(key);
            if (wait > 0) {
                return new Outcome(Optional.empty(), true, wait);
            }
            if (users.verify(user, password)) {
                throttle.succeeded(key);
                return Outcome.of(user);
            }
            throttle.failed(key, user, address);
            return new Outcome(Optional.empty(), true, 0);
        } finally {
            lock.unlock();
        }
    }

    /** The user name of HTTP Basic credentials, as sent (shortened, for the audit trail), or "". */
    public static String claimedUser(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return "";
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return shortened(colon < 0 ? decoded : decoded.substring(0, colon));
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** A name someone typed, made safe to keep: at most 64 characters, no control characters. */
    static String shortened(String name) {
        String clean = name.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 64 ? clean.substring(0, 64) + "..." : clean;
    }

    public static String sessionToken(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie cookie : cookies) {
                if (Sessions.COOKIE.equals(cookie.getName())) {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }
}
