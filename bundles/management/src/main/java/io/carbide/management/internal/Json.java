package io.carbide.management.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/** How the management API answers: pretty JSON, errors as {@code {"error": "..."}}. */
final class Json {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
            .create();

    private Json() {
    }

    static void write(HttpServletResponse response, int status, Object body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(GSON.toJson(body));
    }

    static void error(HttpServletResponse response, int status, String message) throws IOException {
        write(response, status, Map.of("error", message));
    }

    /** Whiteboard properties that put a servlet on the management port only. */
    static Hashtable<String, Object> managementServlet(String pattern, String managementTarget) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, pattern);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, managementTarget);
        return properties;
    }
}
