package io.carbide.management.internal;

import io.carbide.deployment.RepositoryBackup;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/backup} (admins): the repository as one archive ({@link RepositoryBackup}),
 * streamed while the manager keeps taking changes; what {@code bin/carbide backup FILE} saves.
 * {@code POST /api/backup {"passphrase": "..."}} adds the cluster secret and this manager's
 * management key, sealed under the passphrase ({@link BackupSecrets}); never otherwise.
 * A failure before the first byte answers 503 with why; one after it cuts the archive short, which
 * every reader refuses (its manifest comes last), so a partial archive is never mistaken for a
 * backup.
 */
@Component(immediate = true)
public class BackupApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BackupApiServlet.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final transient RepositoryBackup backup;
    private final transient NodeIdentity node;

    @Activate
    public BackupApiServlet(@Reference NodeIdentity node, @Reference RepositoryBackup backup, BundleContext context) {
        this.node = node;
        this.backup = backup;
        publish(context, node, "/api/backup");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        send(response, Map.of());
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        char[] passphrase;
        try {
            JsonObject body = Json.readObjectOrEmpty(request); // none: the message below says what to send
            if (!body.has("passphrase") || !body.get("passphrase").isJsonPrimitive()) {
                Json.error(response, 400, "send {\"passphrase\": \"...\"} to back up the keys too (sealed under it), "
                        + "or GET /api/backup for the repository alone");
                return;
            }
            passphrase = body.get("passphrase").getAsString().toCharArray();
        } catch (Json.BadRequest e) {
            Json.error(response, 400, e.getMessage());
            return;
        }
        byte[] sealed;
        try {
            sealed = BackupSecrets.seal(node, passphrase);
        } catch (IllegalArgumentException refused) {
            Json.error(response, 400, "no backup: " + refused.getMessage());
            return;
        } catch (IOException e) {
            Json.error(response, 503, "no backup: " + e.getMessage());
            return;
        } finally {
            Arrays.fill(passphrase, '\0');
        }
        send(response, Map.of(BackupSecrets.ENTRY, sealed));
    }

    private void send(HttpServletResponse response, Map<String, byte[]> alongside) throws IOException {
        response.setContentType("application/zip");
        response.setHeader("Content-Disposition", "attachment; filename=\"carbide-" + node.name() + "-"
                + STAMP.format(Instant.now()) + ".zip\"");
        response.setHeader("Cache-Control", "no-store");
        response.setBufferSize(64 * 1024);
        try {
            backup.write(response.getOutputStream(), alongside);
        } catch (IOException e) {
            if (!response.isCommitted()) {
                response.reset();
                Json.error(response, 503, "no backup: " + e.getMessage());
                return;
            }
            LOG.warn("A backup was cut short: {}", e.getMessage());
            throw e; // the archive ends without its manifest: refused by every reader
        }
    }
}
