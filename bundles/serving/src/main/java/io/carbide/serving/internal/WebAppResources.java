package io.carbide.serving.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ResourceServlet;
import org.eclipse.jetty.http.content.HttpContent;
import org.eclipse.jetty.ee10.servlet.ServletApiRequest;
import org.eclipse.jetty.ee10.servlet.ServletApiResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.URIUtil;

/**
 * Jetty's own static resource handling (ETag and 304, Last-Modified, Range and If-Range with 206
 * and 416, HEAD, precompressed {@code .gz}/{@code .br} siblings, welcome files, no directory
 * listing, no path escaping the folder) for one web application folder. It is not registered
 * with the servlet whiteboard: the {@link WebAppRouter} finds it by name and hands it the path
 * within the application ({@link #serve}).
 *
 * <p>Jetty's {@link ResourceServlet} looks for Jetty's own context handler when it is initialised,
 * which only a thread in a request of the client port has at hand. So it is initialised on its
 * first request, with the settings it was made with.
 *
 * <p>The whiteboard wraps every request and response, and Jetty serves a wrapped response
 * through the servlet API, without a Content-Length and with a copy of every byte (a fifth of the
 * throughput of small files). The path of the file is all this servlet needs from the whiteboard's
 * request, so the file is then served on Jetty's own request and response.
 */
final class WebAppResources extends ResourceServlet {

    private static final long serialVersionUID = 1L;
    /** The file's path within the web application, as the router found it. */
    private static final String PATH = WebAppResources.class.getName() + ".path";
    private final transient ServletConfig config;
    private transient volatile boolean initialised;

    /**
     * @param name the application's name, for Jetty's log lines
     * @param settings Jetty's init parameters of a {@link ResourceServlet}
     * @param context the client port's servlet context, asked for at the first request
     */
    WebAppResources(String name, Map<String, String> settings, Supplier<ServletContext> context) {
        Map<String, String> own = Map.copyOf(settings);
        this.config = new ServletConfig() {
            @Override
            public String getServletName() {
                return "webapp-" + name;
            }

            @Override
            public ServletContext getServletContext() {
                return context.get();
            }

            @Override
            public String getInitParameter(String parameter) {
                return own.get(parameter);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(own.keySet());
            }
        };
    }

    @Override
    public ServletConfig getServletConfig() {
        return config;
    }

    @Override
    public void init() {
        // deferred to the first request: see the class comment
    }

    /**
     * Answers a request for the file at {@code path} within this application.
     *
     * @param path decoded, starting with {@code /}
     */
    void serve(HttpServletRequest request, HttpServletResponse response, String path)
            throws ServletException, IOException {
        if (!initialised) {
            synchronized (this) {
                if (!initialised) {
                    super.init();
                    initialised = true;
                }
            }
        }
        String encoded = URIUtil.encodePath(path);
        if (request.getHeader("Range") != null && request.getHeader("If-Range") != null
                && !rangeStillValid(request, encoded)) {
            request = new WholeFileRequest(request);
        }
        ServletRequest jettyRequest = innermost(request);
        ServletResponse jettyResponse = innermost(response);
        if (jettyRequest instanceof ServletApiRequest own && jettyResponse instanceof ServletApiResponse ownResponse
                && request.getDispatcherType() == DispatcherType.REQUEST && !(request instanceof WholeFileRequest)) {
            serveAt(own, ownResponse, encoded);
        } else {
            serveAt(request, response, encoded);
        }
    }

    /**
     * Serves with the path in a request attribute, which {@link #getEncodedPathInContext} reads. A
     * welcome file is forwarded to through the router, on the same request underneath: the path of
     * the request it came from is put back afterwards.
     */
    private void serveAt(HttpServletRequest request, HttpServletResponse response, String encoded)
            throws ServletException, IOException {
        Object before = request.getAttribute(PATH);
        request.setAttribute(PATH, encoded);
        try {
            super.service(request, response);
        } finally {
            if (before == null) {
                request.removeAttribute(PATH);
            } else {
                request.setAttribute(PATH, before);
            }
        }
    }

    @Override
    protected String getEncodedPathInContext(HttpServletRequest request, boolean included) {
        Object path = request.getAttribute(PATH);
        return path != null ? path.toString() : super.getEncodedPathInContext(request, included);
    }

    /**
     * Jetty's resource service ignores If-Range, so a client resuming a download of a file that
     * changed would get a range of the new file glued to the start of the old one. The range holds
     * only while the file is the one the client saw, by its ETag. Jetty's tags are weak in form,
     * but each names the file's path, and a web application's files never change in place (a new
     * version unpacks into a new folder named after its digest), so a tag names one content. A
     * date is no such proof (a rebuilt zip may carry the same times): the whole file is sent.
     */
    private boolean rangeStillValid(HttpServletRequest request, String encodedPath) throws IOException {
        String ifRange = request.getHeader("If-Range").strip();
        HttpContent content = getResourceService().getHttpContentFactory().getContent(encodedPath);
        if (content == null) {
            return true; // nothing there: the service answers 404 whatever the headers
        }
        String etag = content.getETagValue();
        return ifRange.endsWith("\"") && etag != null && opaque(etag).equals(opaque(ifRange));
    }

    private static String opaque(String etag) {
        return etag.startsWith("W/") ? etag.substring(2) : etag;
    }

    /** The request without its Range: the whole file, 200. */
    private static final class WholeFileRequest extends HttpServletRequestWrapper {
        WholeFileRequest(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getHeader(String name) {
            return isRange(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return isRange(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(Collections.list(super.getHeaderNames()).stream()
                    .filter(name -> !isRange(name)).toList());
        }

        private static boolean isRange(String name) {
            return name.equalsIgnoreCase("Range") || name.equalsIgnoreCase("If-Range");
        }
    }

    private static ServletRequest innermost(ServletRequest request) {
        while (request instanceof ServletRequestWrapper wrapper) {
            request = wrapper.getRequest();
        }
        return request;
    }

    private static ServletResponse innermost(ServletResponse response) {
        while (response instanceof ServletResponseWrapper wrapper) {
            response = wrapper.getResponse();
        }
        return response;
    }

    @Override
    protected ServletContextHandler initContextHandler(ServletContext servletContext) {
        if (ContextHandler.getCurrentContext() instanceof ContextHandler.ScopedContext scoped
                && scoped.getContextHandler() instanceof ServletContextHandler handler) {
            return handler;
        }
        return super.initContextHandler(servletContext);
    }
}
