package io.carbide.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * One manager's management API, as {@code bin/carbide} talks to it: JSON over HTTPS, the
 * manager trusted by its own certificate (or the JVM's trusted authorities), the user known by a
 * saved session token or by HTTP Basic. Plain {@link HttpURLConnection}: it starts faster than the
 * JDK's HttpClient, and a cold {@code carbide status} is meant to take well under a second.
 */
final class ManagementApi {

    private final URI base;
    private final SSLContext tls;
    private final String authorization;

    /** The answer: its status, its body as JSON (null when empty or not JSON) and as text. */
    record Answer(int status, JsonElement body, String text) {
        JsonObject object() {
            return body != null && body.isJsonObject() ? body.getAsJsonObject() : new JsonObject();
        }
    }

    /**
     * @param cacert        the manager's certificate (PEM), or null to trust the JVM's authorities
     * @param authorization the Authorization header's value, or null for none
     */
    ManagementApi(URI base, Path cacert, String authorization) {
        this.base = base;
        this.tls = cacert == null ? null : trusting(cacert);
        this.authorization = authorization;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String bearer(String token) {
        return "Bearer " + token;
    }

    static String encode(String pathPart) {
        return URLEncoder.encode(pathPart, StandardCharsets.UTF_8).replace("+", "%20");
    }

    URI base() {
        return base;
    }

    Answer get(String path) {
        return send("GET", path, null, null);
    }

    Answer delete(String path) {
        return send("DELETE", path, null, null);
    }

    Answer post(String path, JsonElement body) {
        return send("POST", path, body.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    Answer put(String path, JsonElement body) {
        return send("PUT", path, body.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    Answer putFile(String path, Path file) {
        return send("PUT", path, null, file);
    }

    /** A GET whose successful body goes into {@code into} (a 200's text is then empty); other answers as usual. */
    Answer download(String path, Path into) {
        return send("GET", path, null, null, into);
    }

    /** The same as {@link #download}, for a POST with a JSON body. */
    Answer download(String path, JsonElement body, Path into) {
        return send("POST", path, body.toString().getBytes(StandardCharsets.UTF_8), null, into);
    }

    /**
     * The call; a 401 or a refused connection ends the command here with its one line. Other
     * statuses are the caller's to read, with {@link #failure} for the usual message.
     */
    private Answer send(String method, String path, byte[] json, Path file) {
        return send(method, path, json, file, null);
    }

    private Answer send(String method, String path, byte[] json, Path file, Path into) {
        URI uri = base.resolve(path);
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) uri.toURL().openConnection();
            if (connection instanceof HttpsURLConnection https && tls != null) {
                https.setSSLSocketFactory(tls.getSocketFactory());
            }
            connection.setConnectTimeout(5_000);
            connection.setReadTimeout(120_000);
            connection.setRequestMethod(method);
            connection.setRequestProperty("Accept", "application/json");
            if (authorization != null) {
                connection.setRequestProperty("Authorization", authorization);
            }
            if (json != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json");
                connection.setFixedLengthStreamingMode(json.length);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(json);
                }
            } else if (file != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/octet-stream");
                connection.setFixedLengthStreamingMode(Files.size(file));
                try (OutputStream out = connection.getOutputStream()) {
                    Files.copy(file, out);
                }
            }
            int status = connection.getResponseCode();
            if (status == 200 && into != null) {
                // owner-only from its first byte: a backup holds the users' hashes and every configuration's secrets
                Files.deleteIfExists(into);
                Files.createFile(into, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                try (InputStream body = connection.getInputStream(); OutputStream out = Files.newOutputStream(into)) {
                    body.transferTo(out);
                }
                return new Answer(status, null, "");
            }
            InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            JsonElement body = null;
            String type = connection.getContentType();
            if (!text.isBlank() && (type == null || type.contains("json"))) {
                try {
                    body = JsonParser.parseString(text);
                } catch (RuntimeException notJson) {
                    throw CommandFailure.failed(uri + " answered " + status + " with something that is not JSON; is "
                            + base + " a Carbide manager's management port?");
                }
            }
            Answer answer = new Answer(status, body, text);
            if (status == 401) {
                throw CommandFailure.notAuthenticated(errorOf(answer, "not logged in") + "; run bin/carbide login");
            }
            return answer;
        } catch (ConnectException e) {
            throw CommandFailure.failed("no manager answers at " + base + " (" + e.getMessage() + "); is it running? "
                    + "bin/carbide status --all lists this installation's nodes");
        } catch (SSLException e) {
            throw CommandFailure.failed("TLS with " + base + " failed (" + e.getMessage() + "); give the manager's "
                    + "certificate with --cacert BASE/conf/security/management.crt, or --base BASE");
        } catch (IOException e) {
            throw CommandFailure.failed(method + " " + uri + " failed: " + e.getMessage());
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    /** The API's one-line error from an answer, or {@code fallback}. */
    static String errorOf(Answer answer, String fallback) {
        JsonObject body = answer.object();
        return body.has("error") && body.get("error").isJsonPrimitive() ? body.get("error").getAsString() : fallback;
    }

    /** A command's usual ending for an answer it did not expect: exit 1 with the API's own line. */
    static CommandFailure failure(Answer answer, String what) {
        String error = inCliTerms(errorOf(answer, "the manager answered " + answer.status()));
        // the manager often says what failed itself ("no backup: ..."): once is enough
        return CommandFailure.failed(error.startsWith(what + ":") ? error : what + ": " + error);
    }

    private static final Pattern CLUSTER_HINT = Pattern.compile("; GET /api/cluster (?=lists |shows )");
    private static final Pattern ROLLOUT_HINT = Pattern.compile("; GET /api/rollout (?=shows |follows )");

    /**
     * A line of the API's with its closing hints ("...; GET /api/cluster lists them") named as the
     * commands that do the same. Only such hints: a path the line quotes, or a line about the API
     * itself, stays as the API wrote it.
     */
    static String inCliTerms(String line) {
        return CLUSTER_HINT.matcher(ROLLOUT_HINT.matcher(line).replaceAll("; bin/carbide rollout status "))
                .replaceAll("; bin/carbide nodes ");
    }

    private static SSLContext trusting(Path cacert) {
        try (InputStream in = Files.newInputStream(cacert)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("carbide-" + i++, certificate);
            }
            if (i == 0) {
                throw CommandFailure.usage(cacert + " holds no certificate; give the manager's "
                        + "conf/security/management.crt");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw CommandFailure.usage("cannot read the certificate " + cacert + " (" + e.getMessage() + "); give the "
                    + "manager's conf/security/management.crt with --cacert");
        } catch (GeneralSecurityException e) {
            throw CommandFailure.usage(cacert + " is not a certificate this JVM can read (" + e.getMessage() + ")");
        }
    }
}
