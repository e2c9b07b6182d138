package io.carbide.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * What {@code bin/carbide login} keeps, so later commands need no password: the manager's URL,
 * the certificate that manager is trusted by, the user and a session token (never the password).
 * The token is checked by the management API like a console session: it ends after 30 idle
 * minutes, on {@code logout} and when the user's password changes. One JSON file, readable by its
 * owner only, {@code ~/.carbide/login.json} (or {@code CARBIDE_LOGIN_FILE}, or the system property
 * {@code carbide.loginFile}); it carries a format
 * version and fields it does not know are skipped.
 */
record SavedLogin(String url, String cacert, String user, String token) {

    private static final int FORMAT = 1;

    static Path file() {
        String chosen = System.getProperty("carbide.loginFile", System.getenv("CARBIDE_LOGIN_FILE"));
        return chosen != null && !chosen.isBlank() ? Path.of(chosen)
                : Path.of(System.getProperty("user.home"), ".carbide", "login.json");
    }

    static Optional<SavedLogin> read() {
        Path file = file();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            return Optional.of(new SavedLogin(text(json, "url"), text(json, "cacert"), text(json, "user"),
                    text(json, "token")));
        } catch (IOException | RuntimeException e) {
            // as if absent: a command then asks for a log-in, and login writes a good one over it
            System.err.println("carbide: ignoring the saved log-in " + file + ", which cannot be read ("
                    + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    private static String text(JsonObject json, String name) {
        return json.has(name) && json.get(name).isJsonPrimitive() ? json.get(name).getAsString() : "";
    }

    /** Written beside its place, owner-only from the start, then renamed over it. */
    void save() throws IOException {
        Path file = file();
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        JsonObject json = new JsonObject();
        json.addProperty("format", FORMAT);
        json.addProperty("url", url);
        json.addProperty("cacert", cacert);
        json.addProperty("user", user);
        json.addProperty("token", token);
        Path temp = Files.createTempFile(folder, ".login-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temp, json + "\n", StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static void forget() throws IOException {
        Files.deleteIfExists(file());
    }
}
