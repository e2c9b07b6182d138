package io.carbide.management.internal;

import com.google.gson.JsonObject;
import io.carbide.management.internal.tls.LiveCertificate;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * This manager's management certificate ({@link LiveCertificate}), what {@code bin/carbide cert}
 * drives:
 * <ul>
 * <li>{@code GET /api/certificate}: subject, issuer, validity, sha-256;</li>
 * <li>{@code POST /api/certificate/renew} (admins): a new key and self-signed certificate, served
 * to new connections at once; a CA-issued certificate is replaced only with {@code ?force=true};</li>
 * <li>{@code PUT /api/certificate[?force=true]} (admins), {@code {"pkcs12": BASE64, "password": "..."}}:
 * the operator's key and CA-issued chain, checked (with {@code force}, even if it does not name
 * where clients reach this manager), then served the same way.</li>
 * </ul>
 * The password is used to open the file and is never stored, logged or audited.
 */
@Component(immediate = true)
public class CertificateApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    private final transient LiveCertificate certificate;
    private final transient NodeIdentity node;

    @Activate
    public CertificateApiServlet(@Reference NodeIdentity node, @Reference LiveCertificate certificate,
            BundleContext context) {
        this.node = node;
        this.certificate = certificate;
        publish(context, node, "/api/certificate", "/api/certificate/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (refusedAsPlain(response) || unknownPath(request, response, "")) {
            return;
        }
        Json.write(response, 200, certificate.describe());
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (refusedAsPlain(response) || unknownPath(request, response, "renew")) {
            return;
        }
        Map<String, Object> current;
        try {
            current = certificate.describe();
        } catch (IOException unreadable) {
            current = Map.of("selfSigned", true); // a key store that does not open: renewing is the way out
        }
        if (!Boolean.TRUE.equals(current.get("selfSigned")) && !"true".equals(request.getParameter("force"))) {
            Json.error(response, 409, "the management certificate of " + node.name() + " was issued by "
                    + current.get("issuer") + "; renewing would replace it with a self-signed one that clients trusting "
                    + "that CA refuse: install the CA's renewed certificate (bin/carbide cert install FILE.p12), or "
                    + "renew with --force");
            return;
        }
        X509Certificate renewed;
        try {
            renewed = certificate.renew();
        } catch (IllegalStateException | IOException notSwapped) {
            Json.error(response, 503, "certificate not renewed: " + notSwapped.getMessage());
            return;
        }
        Json.write(response, 200, answer("Renewed the management certificate of " + node.name() + ": self-signed, "
                + "valid until " + renewed.getNotAfter().toInstant() + "; clients trust it by "
                + "conf/security/management.crt"));
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (refusedAsPlain(response) || unknownPath(request, response, "")) {
            return;
        }
        JsonObject body;
        try {
            body = Json.readObject(request);
        } catch (Json.BadRequest e) {
            Json.error(response, 400, e.getMessage());
            return;
        }
        if (!body.has("pkcs12") || !body.get("pkcs12").isJsonPrimitive() || !body.has("password")
                || !body.get("password").isJsonPrimitive()) {
            Json.error(response, 400, "send {\"pkcs12\": \"<the PKCS#12 file, base64>\", \"password\": \"<its "
                    + "password>\"}, or use bin/carbide cert install FILE.p12 --password-file FILE");
            return;
        }
        byte[] pkcs12;
        try {
            pkcs12 = Base64.getMimeDecoder().decode(body.get("pkcs12").getAsString());
        } catch (IllegalArgumentException e) {
            Json.error(response, 400, "\"pkcs12\" is not base64: " + e.getMessage());
            return;
        }
        char[] password = body.get("password").getAsString().toCharArray();
        try {
            X509Certificate installed = certificate.install(pkcs12, password, "true".equals(request.getParameter("force")));
            Json.write(response, 200, answer("Installed the management certificate of " + node.name() + " for "
                    + installed.getSubjectX500Principal().getName() + ", issued by "
                    + installed.getIssuerX500Principal().getName() + ", valid until " + installed.getNotAfter().toInstant()));
        } catch (IllegalArgumentException refused) {
            Json.error(response, 400, "certificate not installed: " + refused.getMessage());
        } catch (IllegalStateException | IOException notSwapped) {
            Json.error(response, 503, "certificate not installed: " + notSwapped.getMessage());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private Map<String, Object> answer(String message) throws IOException {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", message);
        answer.put("certificate", certificate.describe());
        return answer;
    }

    private boolean refusedAsPlain(HttpServletResponse response) throws IOException {
        if (node.managementSecure()) {
            return false;
        }
        Json.error(response, 409, "the management port of " + node.name() + " is plain HTTP ("
                + NodeProperties.MANAGEMENT_SECURE + "=false): its certificate is the TLS proxy's in front of it");
        return true;
    }

    private static boolean unknownPath(HttpServletRequest request, HttpServletResponse response, String expected)
            throws IOException {
        if (pathName(request).equals(expected)) {
            return false;
        }
        Json.error(response, 404, "no such certificate action: " + request.getRequestURI() + " (GET and PUT "
                + "/api/certificate, POST /api/certificate/renew)");
        return true;
    }
}
