package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeLifecycle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Opens the manager's revision log once at start, before the repository is built on it, and
 * offers it (with the history read back) to {@link DiskRepository}. A log the manager cannot
 * trust stops the node with one line naming the file and line, and no repository is ever built:
 * nothing is announced, written back or served from half a history.
 */
@Component(service = {}, immediate = true)
public class RevisionLogOpener {

    /** The opened log and every change read back from it, oldest first. */
    public record OpenedLog(RevisionLog log, List<Artifact> history) {
    }

    private final ServiceRegistration<OpenedLog> registration;
    private final RevisionLog log;

    @Activate
    public RevisionLogOpener(@Reference NodeIdentity node, @Reference NodeLifecycle lifecycle, BundleContext context) {
        Path file = node.base().resolve("data/repository/revisions.log");
        List<Artifact> history = new ArrayList<>();
        RevisionLog opened = null;
        try {
            opened = RevisionLog.open(file, history);
        } catch (IOException e) {
            lifecycle.stopForFailure(e instanceof RevisionLog.CorruptLogException ? e.getMessage()
                    : "cannot open the repository log " + file + ": " + e.getMessage());
        }
        this.log = opened;
        this.registration = opened == null ? null
                : context.registerService(OpenedLog.class, new OpenedLog(opened, List.copyOf(history)), null);
    }

    @Deactivate
    void close() throws IOException {
        if (registration != null) {
            registration.unregister();
            log.close();
        }
    }
}
