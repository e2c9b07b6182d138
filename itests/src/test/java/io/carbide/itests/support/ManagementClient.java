package io.carbide.itests.support;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The management API of one manager node, over HTTPS, trusting only the certificate that node
 * generated for itself (read from its {@code conf/security/}), as an operator would with
 * {@code curl --cacert}.
 */
public final class ManagementClient {

    private final NodeProcess node;
    private final HttpClient http;
    private final String authorization;
    private final java.util.Map<String, String> headers;

    public ManagementClient(NodeProcess node, String user, String password) {
        this(node, user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)),
                java.util.Map.of());
    }

    private ManagementClient(NodeProcess node, String authorization, java.util.Map<String, String> headers) {
        this.node = node;
        this.http = HttpClient.newBuilder().sslContext(trusting(node.base())).connectTimeout(Duration.ofSeconds(5))
                .build();
        this.authorization = authorization;
        this.headers = headers;
    }

    /** The same node with other credentials (null: none). */
    public ManagementClient as(String user, String password) {
        return new ManagementClient(node, user, password);
    }

    /** The same node as the console asks it: the session cookie, and the console's header if {@code console}. */
    public ManagementClient withSession(String token, boolean console) {
        java.util.Map<String, String> session = new java.util.HashMap<>();
        session.put("Cookie", "CARBIDE_SESSION=" + token);
        if (console) {
            session.put("X-Carbide-Console", "1");
        }
        return new ManagementClient(node, null, session);
    }

    /** This client with one more header on every request. */
    public ManagementClient withHeader(String name, String value) {
        java.util.Map<String, String> more = new java.util.HashMap<>(headers);
        more.put(name, value);
        return new ManagementClient(node, authorization, more);
    }

    /** An SSL context that trusts only the node's own management certificate. */
    public static SSLContext trusting(Path base) {
        Path security = base.resolve("conf/security");
        try (InputStream in = Files.newInputStream(security.resolve("management.p12"))) {
            char[] password = Files.readString(security.resolve("management.p12.password")).strip().toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, password);
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("carbide", keys.getCertificate("carbide-management"));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("cannot trust the management certificate of " + base + ": " + e, e);
        }
    }

    public URI uri(String path) {
        return URI.create("https://" + node.host() + ":" + node.managementPort() + path);
    }

    public Response get(String path) {
        return send(request(path).GET());
    }

    public Response delete(String path) {
        return send(request(path).DELETE());
    }

    public Response putJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Response postJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /**
     * A POST whose body declares no length (chunked, or an HTTP/2 stream), as {@code curl -X POST}
     * without {@code -d} declares none: the server learns only by reading it whether one came.
     */
    public Response postUnsized(String path, String body) {
        return send(request(path).POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofString(body))));
    }

    public Response putFile(String path, Path file) {
        try {
            return send(request(path).header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    public Response putBytes(String path, byte[] bytes) {
        return send(request(path).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        headers.forEach(builder::header);
        return builder;
    }

    private Response send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> response;
            try {
                response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            } catch (javax.net.ssl.SSLHandshakeException justOpened) {
                // a port that opened a moment ago (a manager just restarted) may cut the first handshake
                Thread.sleep(500);
                response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            }
            String session = response.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("CARBIDE_SESSION=")).map(c -> c.substring(16, c.indexOf(';')))
                    .filter(v -> !v.isEmpty()).findFirst().orElse(null);
            return new Response(response.statusCode(), response.body(), response.headers().firstValue("WWW-Authenticate")
                    .orElse(null), session);
        } catch (IOException e) {
            throw new AssertionError("management API of " + node.base().getFileName() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** One member of a {@code GET /api/cluster} answer, by name. */
    public static JsonObject member(JsonObject cluster, String name) {
        for (JsonElement element : cluster.getAsJsonArray("members")) {
            if (element.getAsJsonObject().get("name").getAsString().equals(name)) {
                return element.getAsJsonObject();
            }
        }
        throw new AssertionError("no member " + name + " in " + cluster);
    }

    /** Polls {@code GET path} until the JSON answer satisfies the condition. */
    public JsonObject await(String path, Predicate<JsonObject> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Response last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(path);
                if (last.status() == 200 && condition.test(last.json())) {
                    return last.json();
                }
            } catch (AssertionError | RuntimeException notYet) {
                // port opening, or a field not there yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError(what + " did not happen within " + timeout + "; last answer: " + last + "\nlog:\n"
                + node.logTail());
    }

    /** An answer: status, body and the Basic challenge if any. */
    /** An answer; {@code session}: the session cookie it set, if any. */
    public record Response(int status, String body, String challenge, String session) {

        public JsonObject json() {
            JsonElement parsed = JsonParser.parseString(body);
            return parsed.getAsJsonObject();
        }

        public String error() {
            return json().get("error").getAsString();
        }
    }
}
