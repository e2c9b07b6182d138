package io.carbide.management.internal.auth;

import io.carbide.management.internal.Json;
import io.carbide.management.internal.audit.AuditTrail;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.context.ServletContextHelper;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/**
 * The management port's one security boundary: the whiteboard context every management servlet
 * and the console select ({@link NodeIdentity#MANAGEMENT_CONTEXT}), whose
 * {@link #handleSecurity} runs before any of them. Only the log-in check and the console's
 * static files (which hold no data) pass without credentials; everything else answers 401 (429
 * while the caller must wait after failed log-ins). A servlet that selects this context cannot
 * be reached while the context is not there, and {@code ManagementPort} opens the port only while
 * this component, and so the users and sessions it needs, is active.
 */
@Component(service = ManagementSecurity.class)
public class ManagementSecurity extends ServletContextHelper {

    public static final String USER_ATTRIBUTE = "carbide.user";
    /** The authenticated user's {@link UserRole}. */
    public static final String ROLE_ATTRIBUTE = "carbide.role";
    /** The console session the request came with, when that is how it was authenticated. */
    public static final String SESSION_ATTRIBUTE = "carbide.session";
    static final String LOGIN_PATH = "/api/login";
    static final String LOGOUT_PATH = "/api/logout";

    /** Set by the log-in servlet: the name someone tried to log in as, for the audit trail. */
    static final String CLAIMED_USER_ATTRIBUTE = "carbide.claimedUser";

    private final Authenticator authenticator;
    private final AuditTrail audit;
    private final ServiceRegistration<ServletContextHelper> registration;

    @Activate
    public ManagementSecurity(@Reference NodeIdentity node, @Reference Authenticator authenticator,
            @Reference AuditTrail audit, BundleContext context) {
        this.authenticator = authenticator;
        this.audit = audit;
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME, NodeIdentity.MANAGEMENT_CONTEXT);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_PATH, "/");
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.managementHttpTarget());
        this.registration = context.registerService(ServletContextHelper.class, this, properties);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // the decoded path the whiteboard routes by, not the raw URI: %2e%2e cannot make an API path look public
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (isPublic(path.isEmpty() ? "/" : path)) {
            return true;
        }
        Authenticator.Outcome outcome = authenticator.authenticate(request);
        if (outcome.user().isPresent()) {
            String crossSite = crossSite(request, outcome.bySession());
            if (crossSite != null) {
                AuditTrail.note(request, "refused", "cross-site");
                audit.record(request, path, outcome.user().get(), 403);
                Json.error(response, 403, crossSite);
                return false;
            }
            String user = outcome.user().get();
            java.util.Optional<UserRole> known = authenticator.role(user);
            if (known.isEmpty()) { // removed a moment ago, its session not closed yet; or a directory log-in that lapsed
                unauthorized(request, response, "user " + user + " no longer exists, or its log-in through the "
                        + "directory is older than carbide.ldap.sessionMinutes; log in again");
                return false;
            }
            UserRole role = known.get();
            UserRole needed = AccessPolicy.required(request.getMethod(), path, user);
            if (!role.includes(needed)) {
                if (changes(request)) {
                    audit.record(request, path, user, 403);
                }
                Json.error(response, 403, request.getMethod() + " " + path + " needs the " + needed.label() + " role; "
                        + "user " + user + " is a " + role.label() + " (an admin can change that: PUT /api/users/"
                        + user + " {\"role\": \"" + needed.label() + "\"})");
                return false;
            }
            request.setAttribute(USER_ATTRIBUTE, user);
            request.setAttribute(ROLE_ATTRIBUTE, role);
            if (outcome.bySession()) {
                request.setAttribute(SESSION_ATTRIBUTE, Authenticator.sessionToken(request));
            }
            request.setAttribute(REMOTE_USER, outcome.user().get());
            request.setAttribute(AUTHENTICATION_TYPE, HttpServletRequest.BASIC_AUTH);
            return true;
        }
        if (outcome.refused() && !bearer(request) && outcome.secondsToWait() == 0) {
            // a password that did not match: a failed log-in (one still made to wait was counted already)
            AuditTrail.note(request, "with", "HTTP Basic");
            audit.recordLogIn(request, Authenticator.claimedUser(request), 401);
        }
        if (outcome.unavailable() != null) {
            Json.error(response, 503, outcome.unavailable());
        } else if (outcome.secondsToWait() > 0) {
            tooManyFailures(response, request.getRemoteAddr(), outcome.secondsToWait());
        } else {
            unauthorized(request, response, !outcome.refused()
                    ? "log in first: POST /api/login, or send HTTP Basic credentials"
                    : bearer(request) ? "the session has ended (after 30 idle minutes, a log-out, a password change "
                            + "or a restart of this manager); log in again" : "wrong user name or password");
        }
        return false;
    }

    /**
     * After the servlet: every request that changed something, or tried to, goes into the audit
     * trail with its outcome (log-ins and log-outs included); reads do not.
     */
    @Override
    public void finishSecurity(HttpServletRequest request, HttpServletResponse response) {
        if (!changes(request)) {
            return;
        }
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        Object user = request.getAttribute(USER_ATTRIBUTE);
        Object claimed = request.getAttribute(CLAIMED_USER_ATTRIBUTE);
        // only what a user did, and log-ins and log-outs: an anonymous request elsewhere (the console's
        // static files) changes nothing, and recording it would let anyone flood the trail
        if (user == null && !path.equals(LOGIN_PATH) && !path.equals(LOGOUT_PATH)) {
            return;
        }
        audit.record(request, path, user != null ? user.toString() : claimed != null ? claimed.toString() : "",
                response.getStatus());
    }

    private static boolean changes(HttpServletRequest request) {
        String method = request.getMethod();
        return !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
    }

    /**
     * Why a request that changes something may have been sent by another web site, or null. One
     * carried by the console's session cookie must carry the console's own header, which a
     * cross-site form cannot add (the cookie is SameSite=Strict as well). One with HTTP Basic
     * credentials is refused when its Origin names another site: a browser sends Basic credentials
     * only after someone typed them into its own dialog, and sends its Origin with every cross-site
     * change. Scripts, as in the README, send no Origin and need no header.
     */
    static String crossSite(HttpServletRequest request, boolean bySession) {
        String method = request.getMethod();
        if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
            return null;
        }
        if (bySession) {
            // the console's header is the check: a proxy in front may rewrite Host, so Origin cannot be
            return request.getHeader("X-Carbide-Console") == null
                    ? "a change made with the console's session needs the X-Carbide-Console header (the console sends "
                            + "it; a form on another site cannot); scripts use HTTP Basic"
                    : null;
        }
        String origin = request.getHeader("Origin");
        if (origin != null && !sameOrigin(origin, request.getHeader("Host"))
                && !sameOrigin(origin, request.getHeader("X-Forwarded-Host"))) {
            return "cross-site request refused: it comes from " + io.carbide.deployment.ArtifactNames.shown(origin)
                    + ", not from this management port";
        }
        return null;
    }

    private static boolean sameOrigin(String origin, String host) {
        try {
            java.net.URI uri = java.net.URI.create(origin.strip());
            return host != null && uri.getHost() != null
                    && (uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())).equalsIgnoreCase(host.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The log-in check, and the console's page and files: nothing in them comes from the fleet. */
    static boolean isPublic(String path) {
        return path.equals(LOGIN_PATH) || path.equals(LOGOUT_PATH) || path.equals("/") || path.equals("/console")
                || (path.startsWith("/console/") && !path.contains(".."));
    }

    private static boolean bearer(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    static void unauthorized(HttpServletRequest request, HttpServletResponse response, String message)
            throws IOException {
        // the console handles 401 itself; a Basic challenge would make the browser pop up its own dialog
        if (request.getHeader("X-Carbide-Console") == null) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"Carbide management\", charset=\"UTF-8\"");
        }
        Json.error(response, 401, message);
    }

    static void tooManyFailures(HttpServletResponse response, String address, long seconds) throws IOException {
        response.setHeader("Retry-After", Long.toString(seconds));
        Json.error(response, 429, "too many failed log-ins with this name from " + address + "; try again in " + seconds + " s");
    }
}
