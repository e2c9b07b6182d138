package io.carbide.serving.internal;

import io.carbide.deployment.WebAppHost;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one servlet on the client port for every published web application: it takes the first
 * segment of the path as the application's name and hands the rest to that application's
 * {@link WebAppResources}, found by name in a map.
 *
 * <p>Why one servlet and not one whiteboard registration each: the whiteboard keeps its servlets
 * in a list it copies and sorts on every registration and walks on every request. A worker with a
 * thousand web applications spent two thirds of each deploy registering (a service event to every
 * listener of the framework, then that copy), and walked up to a thousand patterns for each
 * request. Here a deploy is a map entry and a request is a lookup, however many there are.
 *
 * <p>It is the client port's default servlet ({@code /}): a bundle's own servlet on the client
 * port (an exact path, a prefix or an extension) is matched before it, as the servlet
 * specification orders them.
 */
final class WebAppRouter extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private final transient Map<String, WebAppResources> apps = new ConcurrentHashMap<>();

    /** Serves {@code app} at {@code /NAME/} from now on, in place of any before it. */
    void put(String name, WebAppResources app) {
        apps.put(name, app);
    }

    /** @return whether {@code /NAME/} was served */
    boolean remove(String name) {
        return apps.remove(name) != null;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        Route route = route(decodedPath(request));
        WebAppResources app = route == null ? null : apps.get(route.app());
        if (app == null) {
            if (request.getDispatcherType() == DispatcherType.REQUEST) {
                // a bundle's servlet that forwarded here answered the request: it stays client traffic
                request.setAttribute(WebAppHost.UNSERVED, Boolean.TRUE);
            }
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        app.serve(request, response, route.path());
    }

    /** A request's application and the path within it (decoded, starting with {@code /}). */
    record Route(String app, String path) {
    }

    /**
     * The application a path is for, by its first segment, or null for the root. {@code /NAME} is
     * the application's root, as {@code /NAME/} is (Jetty then redirects to the slash).
     */
    static Route route(String path) {
        int slash = path.indexOf('/', 1);
        String name = slash < 0 ? path.substring(1) : path.substring(1, slash);
        return name.isEmpty() ? null : new Route(name, slash < 0 ? "/" : path.substring(slash));
    }

    /** The request's path within the client port's context, decoded and normalised by Jetty. */
    private static String decodedPath(HttpServletRequest request) {
        boolean included = request.getDispatcherType() == DispatcherType.INCLUDE;
        Object servletPath = included ? request.getAttribute(RequestDispatcher.INCLUDE_SERVLET_PATH)
                : request.getServletPath();
        Object pathInfo = included ? request.getAttribute(RequestDispatcher.INCLUDE_PATH_INFO) : request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath.toString()) + (pathInfo == null ? "" : pathInfo.toString());
        return path.startsWith("/") ? path : "/" + path;
    }
}
