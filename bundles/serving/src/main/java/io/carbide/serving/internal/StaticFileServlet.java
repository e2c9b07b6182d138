package io.carbide.serving.internal;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;

/**
 * Serves the files of one web application folder. Paths are resolved inside the folder and
 * anything that would escape it answers 404; a folder answers with its {@code index.html}.
 */
final class StaticFileServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"), Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"), Map.entry("json", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("ico", "image/x-icon"), Map.entry("webp", "image/webp"),
            Map.entry("woff2", "font/woff2"), Map.entry("wasm", "application/wasm"), Map.entry("xml", "application/xml"));

    private final transient Path root;

    StaticFileServlet(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        serve(request, response, true);
    }

    @Override
    protected void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
        serve(request, response, false);
    }

    private void serve(HttpServletRequest request, HttpServletResponse response, boolean body) throws IOException {
        String path = request.getPathInfo();
        if (path == null) {
            response.sendRedirect(request.getRequestURI() + "/");
            return;
        }
        Path file = root.resolve(path.substring(1)).normalize();
        if (!file.startsWith(root)) {
            response.sendError(404);
            return;
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (attributes.isDirectory()) {
                file = file.resolve("index.html");
                attributes = Files.readAttributes(file, BasicFileAttributes.class);
            }
        } catch (NoSuchFileException e) {
            response.sendError(404);
            return;
        }
        long modified = attributes.lastModifiedTime().toMillis();
        long since = request.getDateHeader("If-Modified-Since");
        if (since >= 0 && modified / 1000 <= since / 1000) {
            response.setStatus(304);
            return;
        }
        response.setContentType(contentType(file.getFileName().toString()));
        response.setContentLengthLong(attributes.size());
        response.setDateHeader("Last-Modified", modified);
        if (body) {
            Files.copy(file, response.getOutputStream());
        }
    }

    static String contentType(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String known = dot < 0 ? null : TYPES.get(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (known != null) {
            return known;
        }
        String guessed = URLConnection.guessContentTypeFromName(fileName);
        return guessed == null ? "application/octet-stream" : guessed;
    }
}
