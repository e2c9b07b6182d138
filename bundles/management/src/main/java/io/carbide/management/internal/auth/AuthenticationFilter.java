package io.carbide.management.internal.auth;

import io.carbide.management.internal.Json;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
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
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/**
 * Guards the whole management API: every {@code /api/} request without valid credentials is
 * answered 401 (429 while its address is paused for failed log-ins), except the log-in check
 * {@code /api/login} itself. The console's pages hold no data and load without credentials; all
 * they show comes from the API.
 */
@Component(immediate = true)
public class AuthenticationFilter implements Filter {

    public static final String USER_ATTRIBUTE = "carbide.user";
    static final String LOGIN_PATH = "/api/login";

    private final Authenticator authenticator;
    private final ServiceRegistration<Filter> registration;

    @Activate
    public AuthenticationFilter(@Reference NodeIdentity node, @Reference Authenticator authenticator,
            BundleContext context) {
        this.authenticator = authenticator;
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_PATTERN, "/api/*");
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.managementHttpTarget());
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_ASYNC_SUPPORTED, true);
        this.registration = context.registerService(Filter.class, this, properties);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (LOGIN_PATH.equals(request.getRequestURI())) {
            chain.doFilter(request, response);
            return;
        }
        Authenticator.Outcome outcome = authenticator.authenticate(request);
        if (outcome.user().isPresent()) {
            request.setAttribute(USER_ATTRIBUTE, outcome.user().get());
            chain.doFilter(request, response);
        } else if (outcome.secondsToWait() > 0) {
            tooManyFailures(response, request.getRemoteAddr(), outcome.secondsToWait());
        } else {
            unauthorized(request, response, outcome.refused() ? "wrong user name or password"
                    : "log in first: POST /api/login, or send HTTP Basic credentials");
        }
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
        Json.error(response, 429, "too many failed log-ins from " + address + "; try again in " + seconds + " s");
    }
}
