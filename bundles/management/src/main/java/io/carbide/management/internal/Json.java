package io.carbide.management.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Reader;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/** How the management API talks: pretty JSON, errors as {@code {"error": "..."}}. */
public final class Json {

    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
            .create();
    private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    /** Bodies of API requests are small JSON documents; a bigger one is a mistake. */
    private static final int MAX_REQUEST_CHARS = 1 << 20;

    private Json() {
    }

    public static void write(HttpServletResponse response, int status, Object body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(PRETTY.toJson(body));
    }

    public static void error(HttpServletResponse response, int status, String message) throws IOException {
        write(response, status, Map.of("error", shortened(message)));
    }

    /** A message with every overlong word (a 5000-character name someone sent) cut short, so none is echoed whole. */
    static String shortened(String message) {
        return LONG_WORD.matcher(message).replaceAll(word -> java.util.regex.Matcher.quoteReplacement(
                io.carbide.deployment.ArtifactNames.shown(word.group())));
    }

    private static final java.util.regex.Pattern LONG_WORD = java.util.regex.Pattern.compile("[^\\s'\"/]{101,}");

    /** One line of JSON, for server-sent events. */
    public static String compact(Object body) {
        return COMPACT.toJson(body);
    }

    /**
     * Reads the request body as a JSON object.
     *
     * @throws BadRequest with a message for the client when the body is not a JSON object
     */
    public static JsonObject readObject(HttpServletRequest request) throws IOException, BadRequest {
        return parseObject(readText(request));
    }

    /**
     * Reads the request body as a JSON object, where sending none means an empty one. A request
     * without a body ({@code curl -X POST} alone) declares no length at all, and a chunked one
     * declares none either, so only the body read whole tells the two apart.
     *
     * @throws BadRequest with a message for the client when a body was sent and is not a JSON object
     */
    public static JsonObject readObjectOrEmpty(HttpServletRequest request) throws IOException, BadRequest {
        String text = readText(request);
        return text.isBlank() ? new JsonObject() : parseObject(text);
    }

    private static String readText(HttpServletRequest request) throws IOException, BadRequest {
        StringBuilder text = new StringBuilder();
        try (Reader reader = request.getReader()) {
            char[] buffer = new char[8192];
            for (int n; (n = reader.read(buffer)) > 0;) {
                text.append(buffer, 0, n);
                if (text.length() > MAX_REQUEST_CHARS) {
                    throw new BadRequest("the request body is over " + MAX_REQUEST_CHARS + " characters of JSON");
                }
            }
        }
        return text.toString();
    }

    private static JsonObject parseObject(String text) throws BadRequest {
        try {
            JsonElement parsed = JsonParser.parseString(text);
            if (!parsed.isJsonObject()) {
                throw new BadRequest("the request body must be a JSON object, like {\"key\": \"value\"}");
            }
            return parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new BadRequest("the request body is not valid JSON: " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    /** Whiteboard properties that put a servlet on the management port only, behind its security check. */
    public static Hashtable<String, Object> managementServlet(String managementTarget, String... patterns) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT, NodeIdentity.MANAGEMENT_CONTEXT_SELECT);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, patterns);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, managementTarget);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_ASYNC_SUPPORTED, true);
        return properties;
    }

    /** A request the client must fix: answered 400 with the message. */
    public static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        public BadRequest(String message) {
            super(message);
        }
    }
}
