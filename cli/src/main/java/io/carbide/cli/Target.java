package io.carbide.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Which manager a command talks to, and as whom. The manager: {@code --url} (or
 * {@code CARBIDE_URL}), else the node that runs from {@code --base} when it is given, else the one
 * of the saved log-in, else the node of this installation; a node's port and certificate are read
 * from its base.
 * The user: the saved log-in's token, else HTTP Basic with {@code CARBIDE_PASSWORD} (the
 * password is never taken from the command line, where it would land in shell history).
 */
final class Target {

    @Option(names = "--url", paramLabel = "URL",
            description = "The manager's management URL, e.g. https://127.0.0.1:9443 (default: CARBIDE_URL, the manager "
                    + "of --base when given, the saved log-in's, or this installation's).")
    URI url;

    @Option(names = "--base", paramLabel = "DIR",
            description = "A manager's base folder: its port and certificate are read from it (default: the installation).")
    Path base;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "The certificate to trust the manager by (default: BASE/conf/security/management.crt).")
    Path cacert;

    @Option(names = "--user", paramLabel = "NAME",
            description = "The management user, with CARBIDE_PASSWORD (default: CARBIDE_USER, the saved log-in's, or admin).")
    String user;

    /** Where the manager is and what to trust it by, before any log-in. */
    record Where(URI url, Path cacert) {
    }

    Where where() {
        String envUrl = System.getenv("CARBIDE_URL");
        Optional<SavedLogin> saved = base == null ? SavedLogin.read() : Optional.empty();
        URI chosen = url != null ? url : envUrl != null && !envUrl.isBlank() ? URI.create(envUrl.strip())
                : saved.map(s -> URI.create(s.url())).orElse(null);
        Path trust = cacert;
        if (trust == null && System.getenv("CARBIDE_CACERT") != null && !System.getenv("CARBIDE_CACERT").isBlank()) {
            trust = Path.of(System.getenv("CARBIDE_CACERT"));
        }
        if (chosen == null) {
            Path node = base != null ? base : home();
            chosen = URI.create("https://127.0.0.1:" + managementPort(node));
            if (trust == null) {
                trust = node.resolve("conf/security/management.crt");
            }
        } else if (trust == null && saved.isPresent() && saved.get().url().equals(chosen.toString())
                && !saved.get().cacert().isEmpty()) {
            trust = Path.of(saved.get().cacert());
        }
        if (!"https".equals(chosen.getScheme()) && !"http".equals(chosen.getScheme())) {
            throw CommandFailure.usage("--url " + chosen + " is not an http(s) URL; e.g. https://127.0.0.1:9443");
        }
        return new Where(URI.create(chosen.toString().replaceAll("/+$", "") + "/"), trust);
    }

    /** The API as the saved log-in's user, or with {@code CARBIDE_PASSWORD}; exit 3 when neither is there. */
    ManagementApi api() {
        Where where = where();
        String password = System.getenv("CARBIDE_PASSWORD");
        Optional<SavedLogin> saved = SavedLogin.read();
        if (password == null && saved.isPresent() && saved.get().url().equals(where.url().toString())
                && (user == null || user.equals(saved.get().user()))) {
            return new ManagementApi(where.url(), where.cacert(), ManagementApi.bearer(saved.get().token()));
        }
        if (password == null) {
            throw CommandFailure.notAuthenticated("not logged in to " + where.url() + ": run bin/carbide login (or set "
                    + "CARBIDE_PASSWORD for one command)");
        }
        return new ManagementApi(where.url(), where.cacert(), ManagementApi.basic(userName(), password));
    }

    /** GET as the logged-in user; any answer but 200 ends the command with the API's own line after {@code what}. */
    ManagementApi.Answer read(String path, String what) {
        ManagementApi.Answer answer = api().get(path);
        if (answer.status() != 200) {
            throw ManagementApi.failure(answer, what);
        }
        return answer;
    }

    /** The API with no credentials: for logging in. */
    ManagementApi anonymous() {
        Where where = where();
        return new ManagementApi(where.url(), where.cacert(), null);
    }

    String userName() {
        String fromEnv = System.getenv("CARBIDE_USER");
        return user != null ? user : fromEnv != null && !fromEnv.isBlank() ? fromEnv.strip() : "admin";
    }

    /** The installation bin/carbide runs from. */
    static Path home() {
        String home = System.getProperty("carbide.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    private static int managementPort(Path node) {
        Path status = node.resolve("data/status.json");
        try {
            JsonObject ports = JsonParser.parseString(Files.readString(status, StandardCharsets.UTF_8)).getAsJsonObject()
                    .getAsJsonObject("ports");
            if (ports != null && ports.has("management")) {
                return ports.get("management").getAsInt();
            }
            throw CommandFailure.usage("the node of " + node + " has no management port (a worker?); give a manager's "
                    + "--base or --url");
        } catch (IOException e) {
            throw CommandFailure.usage("no node has run from " + node + " (" + status + " is missing); give the "
                    + "manager's --base or --url, or run bin/carbide status --all");
        } catch (RuntimeException e) {
            if (e instanceof CommandFailure failure) {
                throw failure;
            }
            throw CommandFailure.failed(status + " cannot be read (" + e.getMessage() + "); give --url");
        }
    }
}
