package io.carbide.repository.internal;

import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.Change;
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
import java.util.Optional;
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
 * <p>The repository is the truth and the folder is its view, on every manager: what the managers
 * commit (from any of them) is written into it, and what is missing at start (deleted while the
 * node was down, or the folder emptied or unmounted) is written back, never recorded as a
 * deletion. Those files hold the stored bytes, so File Install's report of them records nothing.
 * The view never overwrites a file it did not put there: a file an operator dropped meanwhile
 * stays, and is recorded as the next change.
 *
 * <p>Changes count only where the fleet follows this manager's repository. On a manager of another
 * repository, a dropped or deleted file is left as it is and logged as not recorded, with the
 * manager to send it to; while this manager cannot tell yet (it is joining) or its managers have
 * no majority, changes wait and are tried again.
 */
@Component(service = ArtifactInstaller.class, immediate = true, property = Constants.SERVICE_RANKING + ":Integer=1000")
public class DeployFolder implements ArtifactInstaller, RevisionStateMachine.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(DeployFolder.class);
    private static final long RETRY_MILLIS = 500;

    private final ArtifactRepository repository;
    private final FleetAuthority authority;
    private final RevisionStateMachine machine;
    private final Path folder;
    /** Changes that wait for this manager to be able to record them, by file name. */
    private final Map<String, Runnable> waiting = new ConcurrentHashMap<>();
    private final Map<String, String> waitingFor = new ConcurrentHashMap<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-deploy-folder");
        thread.setDaemon(true);
        return thread;
    });

    @Activate
    public DeployFolder(@Reference NodeIdentity node, @Reference ArtifactRepository repository,
            @Reference FleetAuthority authority, @Reference RevisionStateMachine machine) throws IOException {
        this.repository = repository;
        this.authority = authority;
        this.machine = machine;
        this.folder = node.base().resolve("deploy").toAbsolutePath().normalize();
        Files.createDirectories(folder);
        writeBackMissing();
        machine.addListener(this);
    }

    @Deactivate
    void deactivate() {
        machine.removeListener(this);
        worker.shutdownNow();
    }

    // ---- the view: committed state into the folder

    /** Puts back, from the repository, every stored artifact whose file is not in the folder. */
    private void writeBackMissing() {
        List<String> restored = new ArrayList<>();
        for (Artifact artifact : repository.artifacts()) {
            if (!Files.exists(folder.resolve(artifact.name())) && writeFile(artifact)) {
                restored.add(artifact.name());
            }
        }
        if (!restored.isEmpty()) {
            LOG.warn("{} of {} stored artifacts were missing from {} at start (deleted while the node was down, or "
                    + "the folder was emptied); they were written back from the repository and nothing was undeployed: "
                    + "{}. To undeploy an artifact, delete its file while the node runs", restored.size(),
                    repository.artifacts().size(), folder, restored);
        }
    }

    /** A change the managers committed (here or elsewhere) shows in the folder; the replay of a restart is already there. */
    @Override
    public void applied(Change change, Artifact before) {
        if (!worker.isShutdown()) {
            worker.execute(() -> mirror(change.artifact(), before, 0));
        }
    }

    @Override
    public void replaced() {
        if (!worker.isShutdown()) {
            worker.execute(this::writeBackMissing);
        }
    }

    private void mirror(Artifact change, Artifact before, int attempt) {
        Path file = folder.resolve(change.name());
        try {
            Optional<String> onDisk = Files.isRegularFile(file) ? Optional.of(BlobStore.digest(file)) : Optional.empty();
            String shown = before == null || before.deleted() ? null : before.sha256();
            if (change.deleted()) {
                if (onDisk.isPresent() && onDisk.get().equals(shown)) {
                    Files.deleteIfExists(file);
                }
                return;
            }
            if (onDisk.isPresent() && onDisk.get().equals(change.sha256())) {
                return; // the file that was dropped here, or already written
            }
            if (onDisk.isPresent() && !onDisk.get().equals(shown)) {
                return; // someone dropped another version meanwhile: it stays, and becomes the next change
            }
            if (!writeFile(change) && attempt < 120 && !worker.isShutdown()) {
                // the content is still on its way from the other managers
                worker.schedule(() -> mirror(change, before, attempt + 1), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            LOG.warn("Could not show revision {} of {} in {}: {}", change.revision(), change.name(), folder, e.getMessage());
        }
    }

    /** Writes an artifact's stored content into the folder: a dot-named copy, then one rename. */
    private boolean writeFile(Artifact artifact) {
        Optional<Path> blob = repository.content(artifact.sha256());
        if (blob.isEmpty()) {
            return false;
        }
        try {
            // a dot name File Install ignores, then one rename: it only ever sees the whole file
            Path temp = folder.resolve("." + artifact.name() + ".restore");
            Files.copy(blob.get(), temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, folder.resolve(artifact.name()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            LOG.error("Could not write {} into {}: {}; it stays deployed everywhere, and its file is missing here",
                    artifact.name(), folder, e.getMessage());
            return false;
        }
    }

    // ---- what File Install reports

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
        if (isScratch(file) || machine.latest(file.getName()).map(Artifact::deleted).orElse(true)) {
            return; // nothing stored under that name: nothing to remove (or the view removed it)
        }
        whenAccepted(file.getName(), "deleted", () -> {
            repository.remove(file.getName());
            return null;
        });
    }

    private void store(File file) {
        if (isScratch(file)) {
            return;
        }
        try {
            if (repository.isStored(file.getName(), file.toPath())) {
                return; // the stored bytes (written by the view, or back at start): nothing to record
            }
        } catch (IOException e) {
            LOG.error("Could not read {}: {}; it will be tried again when the file changes", file, e.getMessage());
            return;
        }
        whenAccepted(file.getName(), "dropped", () -> {
            try {
                repository.store(file.getName(), file.toPath());
            } catch (InvalidArtifactException refused) {
                // the repository logged it and lists it in status; the file stays for the operator to fix
            }
            return null;
        });
    }

    private interface Work {
        Void run() throws IOException, NoQuorumException;
    }

    /**
     * Runs a change now if this manager's changes count; logs it as not recorded if the fleet
     * follows another repository; and tries again shortly while this manager cannot tell yet or
     * its managers have no majority. A later change of the same file replaces one still waiting.
     */
    private void whenAccepted(String name, String what, Work change) {
        FleetAuthority.Decision decision = authority.current();
        switch (decision.kind()) {
            case SELF, FOLLOWER -> {
                waiting.remove(name);
                waitingFor.remove(name);
                try {
                    change.run();
                } catch (NoQuorumException e) {
                    retryLater(name, what, change, e.getMessage());
                } catch (IOException e) {
                    LOG.error("Could not record {} ({} in {}): {}; it will be tried again when the file changes", name,
                            what, folder, e.getMessage());
                }
            }
            case OTHER -> {
                waiting.remove(name);
                waitingFor.remove(name);
                String reason = name + " " + what + " in " + folder + " was not recorded: " + decision.reason();
                repository.recordRefusal(name, reason);
                LOG.warn(reason);
            }
            case UNDECIDED, NO_QUORUM -> retryLater(name, what, change, decision.reason());
        }
    }

    private void retryLater(String name, String what, Work change, String why) {
        if (!why.equals(waitingFor.put(name, why))) {
            LOG.warn("{} {} in {} waits to be recorded: {}", name, what, folder, why);
        }
        if (waiting.put(name, () -> whenAccepted(name, what, change)) == null && !worker.isShutdown()) {
            worker.schedule(() -> {
                Runnable pending = waiting.remove(name);
                if (pending != null) {
                    pending.run();
                }
            }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }
}
