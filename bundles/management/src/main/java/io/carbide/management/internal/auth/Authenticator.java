package io.carbide.management.internal.auth;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import io.carbide.management.internal.directory.LdapDirectory;
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
    private final LdapDirectory directory;

    /**
     * The outcome: a user (and whether the console's session cookie said so), nobody (no
     * credentials), refused credentials, a name that must wait after failed log-ins, or a
     * directory that could not be asked ({@code unavailable} says why; null otherwise).
     */
    public record Outcome(Optional<String> user, boolean refused, long secondsToWait, boolean bySession,
            String unavailable) {
        Outcome(Optional<String> user, boolean refused, long secondsToWait) {
            this(user, refused, secondsToWait, false, null);
        }

        static Outcome of(String user) {
            return new Outcome(Optional.of(user), false, 0, false, null);
        }
    }

    @Activate
    public Authenticator(@Reference Users users, @Reference Sessions sessions, @Reference LoginThrottle throttle,
            @Reference LdapDirectory directory) {
        this.users = users;
        this.sessions = sessions;
        this.throttle = throttle;
        this.directory = directory;
    }

    /**
     * The user's role: a local user's from the users file (the managers' shared table), a
     * directory user's from their groups at their last log-in; empty for a name that is neither.
     */
    public Optional<UserRole> role(String user) {
        Optional<UserRole> local = users.role(user);
        return local.isPresent() ? local : directory.role(user);
    }

    /** The role of a user who logged in through the directory (not in the users file), while it holds. */
    public Optional<UserRole> directoryRole(String user) {
        return directory.role(user);
    }

    public Outcome authenticate(HttpServletRequest request) {
        Optional<String> bySession = sessions.user(sessionToken(request));
        if (bySession.isPresent()) {
            return new Outcome(bySession, false, 0, true, null);
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

    /**
     * Checks a user name and password, as the log-in form and HTTP Basic both do ({@link LoginThrottle}):
     * against the users file, or, for a name that is no local user, the LDAP directory if one is set.
     */
    public Outcome logIn(String user, String password, String address) {
        String key = LoginThrottle.key(user, address);
        if (directory.enabled() && !users.exists(user)) {
            return directoryLogIn(user, password, address);
        }
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

    /**
     * A log-in through the directory. The throttle is asked before and told after, but its locks
     * are not held while the directory answers (seconds, when it is down): they are shared by
     * stripes, and the local admin's log-in must never queue behind a directory that hangs. A name
     * is throttled as the directory matches it, without case or surrounding spaces.
     */
    private Outcome directoryLogIn(String user, String password, String address) {
        String key = LoginThrottle.key(user.strip().toLowerCase(java.util.Locale.ROOT), address);
        java.util.concurrent.locks.Lock lock = throttle.lock(key);
        lock.lock();
        try {
            long wait = throttle.secondsToWait(key);
            if (wait > 0) {
                return new Outcome(Optional.empty(), true, wait);
            }
        } finally {
            lock.unlock();
        }
        LdapDirectory.Verdict verdict = directory.logIn(user, password);
        lock.lock();
        try {
            if (verdict.role().isPresent()) {
                throttle.succeeded(key);
                return Outcome.of(user);
            }
            if (verdict.unavailable() != null) {
                return new Outcome(Optional.empty(), true, 0, false, verdict.unavailable()); // no guess was judged
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
    public static String shortened(String name) {
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
