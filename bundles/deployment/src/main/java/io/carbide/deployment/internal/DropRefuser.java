package io.carbide.deployment.internal;

import io.carbide.node.NodeIdentity;
import java.io.File;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a read-only node, claims every file dropped into its {@code deploy/} folder and refuses it:
 * a worker's artifacts come from the manager only, so a hand-placed file is neither installed nor
 * replicated. The log says so once per file and what to do instead.
 */
@Component(service = ArtifactInstaller.class, immediate = true, property = Constants.SERVICE_RANKING + ":Integer=1000")
public class DropRefuser implements ArtifactInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(DropRefuser.class);

    private final NodeIdentity node;
    private final Path folder;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    @Activate
    public DropRefuser(@Reference NodeIdentity node) {
        this.node = node;
        this.folder = node.base().resolve("deploy").toAbsolutePath().normalize();
    }

    @Override
    public boolean canHandle(File file) {
        return node.isReadOnly() && file.toPath().toAbsolutePath().normalize().getParent().equals(folder);
    }

    @Override
    public void install(File file) {
        refuse(file);
    }

    @Override
    public void update(File file) {
        refuse(file);
    }

    private void refuse(File file) {
        if (reported.add(file.getName() + "@" + file.lastModified())) {
            LOG.warn("Refused {} dropped on read-only node {}: it is not installed or replicated; workers receive "
                    + "artifacts from the manager only, so drop it into the manager's deploy/ folder", file, node.name());
        }
    }

    @Override
    public void uninstall(File file) {
        reported.removeIf(key -> key.startsWith(file.getName() + "@"));
    }
}
