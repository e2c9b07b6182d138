package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.FleetAuthority;
import io.carbide.deployment.InvalidArtifactException;
import io.carbide.node.NodeIdentity;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
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
 * <p>The repository is the truth and the folder is its view. At start, what is missing from the
 * folder (deleted while the node was down, or the folder emptied or unmounted) is written back
 * from the repository, never recorded as a deletion: a start never undeploys anything. The files
 * written back hold the stored bytes, so File Install's report of them records nothing new.
 *
 * <p>Only the authority records changes. On a manager that is not, a dropped or deleted file is
 * left as it is and logged as not recorded, with the manager to send it to; while this manager
 * cannot tell yet (it is joining), changes wait and are tried again.
 */
@Component(service = ArtifactInstaller.class, immediate = true, property = Constants.SERVICE_RANKING + ":Integer=1000")
public class DeployFolder implements ArtifactInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(DeployFolder.class);
    private static final long RETRY_MILLIS = 500;

    private final ArtifactRepository repository;
    private final FleetAuthority authority;
    private final Path folder;
    /** Changes that wait for this manager to know whether it is the authority: file name to "store" or "remove". */
    private final Map<String, Runnable> waiting = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-deploy-folder");
        thread.setDaemon(true);
        return thread;
    });

    @Activate
    public DeployFolder(@Reference NodeIdentity node, @Reference ArtifactRepository repository,
            @Reference FleetAuthority authority) throws IOException {
        this.repository = repository;
        this.authority = authority;
        this.folder = node.base().resolve("deploy").toAbsolutePath().normalize();
        Files.createDirectories(folder);
        writeBackMissing();
    }

    @Deactivate
    void deactivate() {
        retries.shutdownNow();
    }

    /** Puts back, from the repository, every stored artifact whose file is not in the folder. */
    private void writeBackMissing() {
        List<String> restored = new ArrayList<>();
        for (Artifact artifact : repository.artifacts()) {
            Path file = folder.resolve(artifact.name());
            if (Files.exists(file)) {
                continue;
            }
            try {
                Path blob = repository.content(artifact.sha256()).orElseThrow(() -> new IOException(
                        "its content " + artifact.sha256() + " is missing from the repository"));
                // a dot name File Install ignores, then one rename: it only ever sees the whole file
                Path temp = folder.resolve("." + artifact.name() + ".restore");
                Files.copy(blob, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                restored.add(artifact.name());
            } catch (IOException e) {
                LOG.error("Could not write {} back into {}: {}; it stays deployed everywhere, and its file is "
                        + "missing here", artifact.name(), folder, e.getMessage());
            }
        }
        if (!restored.isEmpty()) {
            LOG.warn("{} of {} stored artifacts were missing from {} at start (deleted while the node was down, or "
                    + "the folder was emptied); they were written back from the repository and nothing was undeployed: "
                    + "{}. To undeploy an artifact, delete its file while the node runs", restored.size(),
                    repository.artifacts().size(), folder, restored);
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

    @Override
    public void uninstall(File file) {
        if (!isScratch(file)) {
            whenAuthority(file.getName(), "deleted", () -> remove(file));
        }
    }

    private void store(File file) {
        if (isScratch(file)) {
            return;
        }
        try {
            if (repository.isStored(file.getName(), file.toPath())) {
                return; // the stored bytes (e.g. written back at start): nothing to record, whoever is the authority
            }
        } catch (IOException e) {
            LOG.error("Could not read {}: {}; it will be tried again when the file changes", file, e.getMessage());
            return;
        }
        whenAuthority(file.getName(), "dropped", () -> {
            try {
                repository.store(file.getName(), file.toPath());
            } catch (InvalidArtifactException refused) {
                // the repository logged it and lists it in status; the file stays for the operator to fix
            } catch (IOException e) {
                LOG.error("Could not store {} in the repository: {}; it will be retried when the file changes", file,
                        e.toString());
            }
        });
    }

    private void remove(File file) {
        try {
            repository.remove(file.getName());
        } catch (IOException e) {
            LOG.error("Could not remove {} from the repository: {}", file.getName(), e.toString());
        }
    }

    /**
     * Runs a change now if this manager is the authority; logs it as not recorded if another is;
     * and tries again shortly while this manager cannot tell yet. A later change of the same file
     * replaces one still waiting.
     */
    private void whenAuthority(String name, String what, Runnable change) {
        FleetAuthority.Decision decision = authority.current();
        switch (decision.kind()) {
            case SELF -> {
                waiting.remove(name);
                change.run();
            }
            case OTHER -> {
                waiting.remove(name);
                String reason = name + " " + what + " in " + folder + " was not recorded: " + decision.reason();
                repository.recordRefusal(name, reason);
                LOG.warn(reason);
            }
            case UNDECIDED -> {
                if (waiting.put(name, change) == null && !retries.isShutdown()) {
                    retries.schedule(() -> {
                        Runnable pending = waiting.remove(name);
                        if (pending != null) {
                            whenAuthority(name, what, pending);
                        }
                    }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        }
    }
}
