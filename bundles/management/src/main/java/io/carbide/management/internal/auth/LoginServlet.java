package io.carbide.management.internal.auth;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.management.internal.Json;
import io.carbide.management.internal.ManagementServlet;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/login} is the log-in check (200 with the user, or 401); {@code POST /api/login}
 * with {@code {"user": "...", "password": "..."}} opens a console session (with
 * {@code "token": true}, a session whose token comes back in the answer, for {@code bin/carbide},
 * which sends it as {@code Authorization: Bearer}); {@code POST /api/logout} closes it. Both end
 * after 30 idle minutes and when the user's password changes.
 */
@Component(immediate = true)
public class LoginServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    private final transient Authenticator authenticator;
    private final transient Sessions sessions;

    @Activate
    public LoginServlet(@Reference NodeIdentity node, @Reference Authenticator authenticator,
            @Reference Sessions sessions, BundleContext context) {
        this.authenticator = authenticator;
        this.sessions = sessions;
        publish(context, node, ManagementSecurity.LOGIN_PATH, "/api/logout");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!ManagementSecurity.LOGIN_PATH.equals(request.getServletPath())) {
            Json.error(response, 405, "use POST /api/logout");
            return;
        }
        Authenticator.Outcome outcome = authenticator.authenticate(request);
        if (outcome.user().isPresent()) {
            Json.write(response, 200, who(outcome.user().get()));
        } else if (outcome.unavailable() != null) {
            Json.error(response, 503, outcome.unavailable());
        } else if (outcome.secondsToWait() > 0) {
            ManagementSecurity.tooManyFailures(response, request.getRemoteAddr(), outcome.secondsToWait());
        } else {
            ManagementSecurity.unauthorized(request, response, "not logged in");
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // by the decoded path the whiteboard routed by, as the security check and the audit trail read it
        if (ManagementSecurity.LOGOUT_PATH.equals(request.getServletPath())) {
            String cookie = Authenticator.sessionToken(request);
            String header = request.getHeader("Authorization");
            String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip()
                    : null;
            sessions.user(cookie).or(() -> sessions.user(token)).ifPresent(user ->
                    request.setAttribute(ManagementSecurity.CLAIMED_USER_ATTRIBUTE, user)); // who logged out
            sessions.close(cookie);
            if (token != null) {
                sessions.close(token); // bin/carbide logout
            }
            response.addHeader("Set-Cookie", cookie(request, "", 0));
            Json.write(response, 200, Map.of("loggedOut", true));
            return;
        }
        String user;
        String password;
        boolean asToken;
        try {
            JsonObject body = Json.readObject(request);
            user = string(body, "user");
            password = string(body, "password");
            asToken = body.has("token") && body.get("token").isJsonPrimitive() && body.get("token").getAsBoolean();
        } catch (Json.BadRequest e) {
            Json.error(response, 400, e.getMessage());
            return;
        }
        request.setAttribute(ManagementSecurity.CLAIMED_USER_ATTRIBUTE, Authenticator.shortened(user));
        Authenticator.Outcome outcome = authenticator.logIn(user, password, request.getRemoteAddr());
        if (outcome.user().isPresent()) {
            String token = sessions.open(user);
            if (asToken) {
                // for bin/carbide: sent back as "Authorization: Bearer", never as a cookie a browser would send
                Map<String, Object> body = new java.util.LinkedHashMap<>(who(user));
                body.put("token", token);
                body.put("idleMinutes", Sessions.IDLE_MILLIS / 60_000);
                Json.write(response, 200, body);
            } else {
                response.addHeader("Set-Cookie", cookie(request, token, -1));
                Json.write(response, 200, who(user));
            }
        } else if (outcome.unavailable() != null) {
            Json.error(response, 503, outcome.unavailable());
        } else if (outcome.secondsToWait() > 0) {
            ManagementSecurity.tooManyFailures(response, request.getRemoteAddr(), outcome.secondsToWait());
        } else {
            ManagementSecurity.unauthorized(request, response, "wrong user name or password");
        }
    }

    /** The user, their role and what it lets them do: the console shows only those actions. */
    private Map<String, Object> who(String user) {
        UserRole role = authenticator.role(user).orElse(UserRole.VIEWER);
        return Map.of("user", user, "role", role.label(), "may", AccessPolicy.abilities(role));
    }

    private static String string(JsonObject body, String key) throws Json.BadRequest {
        JsonElement value = body.get(key);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new Json.BadRequest("the body needs \"" + key + "\" as a string: {\"user\": \"admin\", "
                    + "\"password\": \"...\"}");
        }
        return value.getAsString();
    }

    /**
     * HttpOnly: scripts cannot read it; SameSite=Strict: other sites cannot send it. Written by
     * hand because the Servlet Cookie API cannot express SameSite.
     */
    static String cookie(HttpServletRequest request, String value, int maxAge) {
        return Sessions.COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict"
                + (request.isSecure() ? "; Secure" : "") + (maxAge >= 0 ? "; Max-Age=" + maxAge : "");
    }
}
