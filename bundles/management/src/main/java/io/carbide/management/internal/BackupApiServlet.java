package io.carbide.management.internal;

import io.carbide.deployment.RepositoryBackup;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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
        response.setContentType("application/zip");
        response.setHeader("Content-Disposition", "attachment; filename=\"carbide-" + node.name() + "-"
                + STAMP.format(Instant.now()) + ".zip\"");
        response.setHeader("Cache-Control", "no-store");
        response.setBufferSize(64 * 1024);
        try {
            backup.write(response.getOutputStream());
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
