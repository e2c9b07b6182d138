package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.InvalidArtifactException;
import io.carbide.node.NodeIdentity;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's {@code deploy/} folder, as Felix File Install reports it: a file added or changed
 * there is validated and stored in the repository (and so replicated); a file deleted there is
 * removed everywhere. File Install only reports a file once it has stopped changing, so a
 * half-copied file is never stored. This installer claims every file in the folder, so nothing
 * in it is ever installed on the manager directly.
 *
 * <p>On start it removes from the repository what was deleted from the folder while the node was
 * down; File Install reports everything still there afresh, and unchanged content records nothing.
 */
@Component(service = ArtifactInstaller.class, immediate = true, property = Constants.SERVICE_RANKING + ":Integer=1000")
public class DeployFolder implements ArtifactInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(DeployFolder.class);

    private final ArtifactRepository repository;
    private final Path folder;

    @Activate
    public DeployFolder(@Reference NodeIdentity node, @Reference ArtifactRepository repository) throws IOException {
        this.repository = repository;
        this.folder = node.base().resolve("deploy").toAbsolutePath().normalize();
        Files.createDirectories(folder);
        for (Artifact artifact : repository.artifacts()) {
            if (!Files.exists(folder.resolve(artifact.name()))) {
                LOG.info("{} was deleted from {} while the node was down", artifact.name(), folder);
                repository.remove(artifact.name());
            }
        }
    }

    @Override
    public boolean canHandle(File file) {
        return file.toPath().toAbsolutePath().normalize().getParent().equals(folder);
    }

    /** Editors and copy tools leave these beside the real file; they are not artifacts. */
    private static boolean isScratch(File file) {
        String name = file.getName();
        return name.startsWith(".") || name.endsWith("~") || name.endsWith(".tmp") || name.endsWith(".part")
                || name.endsWith(".swp");
    }

    @Override
    public void install(File file) {
        store(file);
    }

    @Override
    public void update(File file) {
        store(file);
    }

    private void store(File file) {
        if (isScratch(file)) {
            return;
        }
        try {
            repository.store(file.getName(), file.toPath());
        } catch (InvalidArtifactException refused) {
            // the repository logged it and lists it in status; the file stays for the operator to fix
        } catch (IOException e) {
            LOG.error("Could not store {} in the repository: {}; it will be retried when the file changes", file,
                    e.toString());
        }
    }

    @Override
    public void uninstall(File file) {
        if (isScratch(file)) {
            return;
        }
        try {
            repository.remove(file.getName());
        } catch (IOException e) {
            LOG.error("Could not remove {} from the repository: {}", file.getName(), e.toString());
        }
    }
}
