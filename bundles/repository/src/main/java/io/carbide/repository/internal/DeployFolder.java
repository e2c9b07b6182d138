package io.carbide.repository.internal;

import io.carbide.cluster.ConsensusListener;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import io.carbide.deployment.FleetAuthority;
import io.carbide.deployment.InvalidArtifactException;
import io.carbide.node.DiskRoom;
import io.carbide.node.NodeIdentity;
import io.carbide.repository.internal.FolderLedger.StoredAs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
 * The manager's {@code deploy/} folder, as Felix File Install reports it: a file an operator adds
 * or changes there is validated and stored in the repository (and so replicated); a file deleted
 * there is removed everywhere. File Install only reports a file once it has stopped changing, and
 * the {@link FolderWatch} reports an archive ahead of it only once it reads whole, so a half-copied
 * file is never stored. This installer claims every file in the folder, so nothing in it is ever
 * installed on the manager directly.
 *
 * <p>The repository is the truth and the folder is its view, on every manager: what the managers
 * commit (from any of them) is written into it, and what is missing at start (deleted while the
 * node was down, or the folder emptied or unmounted) is written back, never recorded as a
 * deletion; only a deletion logged as not recorded before the stop (below) stays one. The {@link FolderLedger} tells the view's files (and recorded ones nobody touched
 * since) from an operator's changes, so File Install's reports of them, at start or after the
 * view wrote them, record nothing; a manager that restarts behind the others never proposes its
 * stale copies. The view never overwrites a file an operator changed: that file stays, and is
 * recorded as the next change.
 *
 * <p>Changes count only where the fleet follows this manager's repository. On a manager of another
 * repository, a dropped or deleted file is left as it is and logged as not recorded, with the
 * manager to send it to; should the fleet come to follow this manager (moved here by an
 * operator), the dropped files still there, and the deleted ones still gone, are recorded then.
 * While this manager cannot tell yet (it is joining), its managers have no majority, or a change
 * could not be committed in time, the change waits and is tried again.
 *
 * <p>All of this runs on the folder's one thread: File Install's and the watch's reports, the
 * sweep, the view and the retries. So the maps below are plain maps, save the reports handed over
 * to it.
 */
@Component(service = {ArtifactInstaller.class, ConsensusListener.class}, immediate = true,
        property = Constants.SERVICE_RANKING + ":Integer=1000")
public class DeployFolder implements ArtifactInstaller, RevisionStateMachine.Listener, ConsensusListener {

    private static final Logger LOG = LoggerFactory.getLogger(DeployFolder.class);
    private static final long RETRY_MILLIS = 500;
    private static final long MAX_RETRY_MILLIS = 30_000;
    /** How long an archive with no end record yet must sit still before it is taken as it is, and refused. */
    private static final long STILL_MILLIS = 2_000;
    /** How often the folder is looked over for a file File Install did not report. */
    static final long SWEEP_MILLIS = 1_000;
    /** A file this much older than the sweep File Install had every chance to report (it polls every 100 ms). */
    private static final long SWEEP_AFTER_MILLIS = 1_000;
    /** A file rewritten in place leaves the folder's own time alone: the folder is looked over this often anyway. */
    private static final long FULL_SWEEP_MILLIS = 30_000;
    /** The folder's modification time when a pass last left nothing for later; touched by the sweep's thread only. */
    private FileTime folderSwept;
    private long lastFullSweep;
    /** Files File Install reported and the folder's thread has not taken up yet, by name. */
    private final Map<String, Reported> reported = new LinkedHashMap<>();
    /** When File Install last reported a file: while it works through a backlog, the sweep leaves the folder to it. */
    private volatile long lastReported;
    /** How long the view waits for a committed change's content to arrive before it gives up on that file. */
    private static final int CONTENT_ATTEMPTS = 240;
    /** Committed changes the folder's disk has no room to show yet, each said once; tried again until there is. */
    private final Set<String> waitingForRoom = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Changes a sweep has proposed and not yet seen committed: a bound on what one burst holds in memory. */
    private static final int IN_FLIGHT = 128;

    private final ArtifactRepository repository;
    private final FleetAuthority authority;
    private final RevisionStateMachine machine;
    private final Path folder;
    private final FolderLedger ledger;
    /** Reports a dropped archive as soon as it is whole, ahead of File Install; none where the folder cannot be watched. */
    private final Optional<FolderWatch> watch;
    /**
     * Dropped files turned away as they stand (their size and time), by name: the watch and File
     * Install both report a drop, and the sweep looks the folder over again and again; a file is
     * turned away, and logged, once, until it changes. One {@link Refusal#NOT_RECORDED} (the fleet
     * followed another manager's repository) is also taken up by the sweep once this manager
     * records changes (the fleet was moved to its repository, or it became the authority otherwise).
     */
    private final Map<String, Refused> refusedAsIs = new HashMap<>();
    /**
     * Files deleted from the folder whose deletion was logged as not recorded (the fleet followed
     * another manager's repository), by name, with what was stored under that name then: recorded
     * once this manager records changes, if the file is still gone and nothing changed under its
     * name meanwhile (another repository, or a newer version, is not what the operator deleted).
     * Kept in the ledger too, so a restart does not write such a file back.
     */
    private final Map<String, StoredAs> deletionsNotRecorded = new LinkedHashMap<>();
    /** Those of them this run has said stay deleted (the view's thread only). */
    private final Set<String> announcedKeptDeleted = new HashSet<>();
    /**
     * Changes recorded from a file in this folder whose mirror has not run yet: name to the
     * revision that recorded it. Only these may be found gone by their mirror and taken for deleted; a
     * ledger entry alone may be older than anything the operator did since. An entry lives from
     * the commit to its mirror, which follows on the folder's thread.
     */
    private final Map<String, Long> recordedHere = new HashMap<>();
    /** Changes that wait to be recorded, by file name; a later change of the same file replaces one waiting. */
    private final Map<String, Runnable> waiting = new HashMap<>();
    private final Map<String, String> waitingFor = new HashMap<>();
    /** Set once the managers' log has been replayed here: from then on the folder follows every change. */
    private volatile boolean following;
    private volatile boolean hasLeader;
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
        this.ledger = new FolderLedger(node.base().resolve("data/repository/deploy-folder.ledger"));
        deletionsNotRecorded.putAll(ledger.unrecordedDeletions());
        Files.createDirectories(folder);
        this.watch = watchAheadOfFileInstall();
        machine.addListener(this);
        worker.scheduleWithFixedDelay(ledger::saveIfChanged, 200, 200, TimeUnit.MILLISECONDS);
        worker.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    private Optional<FolderWatch> watchAheadOfFileInstall() {
        try {
            return Optional.of(new FolderWatch(folder, name -> !isScratch(name)
                    && ArtifactType.of(name).filter(type -> type != ArtifactType.CONFIGURATION).isPresent(),
                    new FolderWatch.Report() {
                        @Override
                        public void whole(File file, FolderLedger.Entry asRead) {
                            reported(Reported.whole(file, asRead));
                        }

                        @Override
                        public void gone(File file) {
                            reported(Reported.gone(file));
                        }
                    }));
        } catch (IOException | RuntimeException e) {
            // e.g. the user's limit of inotify instances reached: drops are File Install's alone, as before
            LOG.warn("Could not watch {} ahead of File Install ({}); a dropped file is recorded once File Install "
                    + "reports it, 100 to 200 ms later", folder, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Records what File Install did not report. File Install follows the folder through the JDK's
     * file-system watcher, which loses events in a burst of changes (of 1,000 files moved in with
     * one {@code mv} it reported none; of 1,000 copied in one after another, blocks of 76 and 80;
     * found by bench/replication.sh). Its other scanner, which lists the folder every poll, reports
     * everything but costs an idle manager holding 1,000 files 9% of a core; the watcher costs
     * under 1%. So the watcher stays, and this makes good what it loses: every second, once File
     * Install has reported nothing for a second (it may be working through a backlog), and only
     * when the folder's own time says an entry was added, renamed or removed since the last pass
     * (or every 30 s, for a file rewritten in place), the folder is looked over. A file that is
     * neither the view's own nor stored under its name, and has sat still for a second, is
     * recorded, with one line naming it.
     */
    private void sweep() {
        long now = System.currentTimeMillis();
        long settled = now - SWEEP_AFTER_MILLIS;
        if (!following || lastReported > settled) {
            return; // the folder is brought in line at start first; and File Install is still at work
        }
        FileTime folderTime;
        try {
            folderTime = Files.getLastModifiedTime(folder);
        } catch (IOException e) {
            LOG.warn("Could not look over {} for unreported files: {}", folder, e.toString());
            return;
        }
        try {
            takeUpNotRecorded();
        } catch (RuntimeException e) {
            LOG.warn("Could not take up the changes in {} that were not recorded: {}", folder, e.toString());
        }
        if (folderTime.equals(folderSwept) && now - lastFullSweep < FULL_SWEEP_MILLIS) {
            return; // nothing added, renamed or removed since a pass that left nothing for later
        }
        boolean deferred = false;
        List<File> unreported = new ArrayList<>();
        Set<String> present = new HashSet<>();
        try (var files = Files.list(folder)) {
            for (Path path : (Iterable<Path>) files::iterator) {
                File file = path.toFile();
                String name = file.getName();
                present.add(name);
                if (isScratch(file) || !file.isFile()) {
                    continue;
                }
                if (file.lastModified() > settled || waiting.containsKey(name)) {
                    deferred = true; // still being written, or waiting to be recorded: the next pass looks again
                    continue;
                }
                if (!refusedAsItStands(file) && toRecord(name, path).isPresent()) {
                    unreported.add(file);
                }
            }
            // gone unreported: a file of that name later is new
            refusedAsIs.keySet().retainAll(present);
            recordAll(unreported);
            if (!deferred) {
                folderSwept = folderTime;
                lastFullSweep = now;
            }
            if (!unreported.isEmpty()) {
                LOG.info("Recorded {} file(s) in {} that File Install did not report (its file-system watcher loses "
                        + "events in a burst of changes): {}", unreported.size(), folder, namesOf(unreported));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not look over {} for unreported files: {}", folder, e.toString());
        }
    }

    /** The files' names for one log line: the first ten, and how many more. */
    private static String namesOf(List<File> files) {
        List<String> names = files.stream().limit(10).map(File::getName).toList();
        return files.size() <= 10 ? names.toString() : names + " and " + (files.size() - 10) + " more";
    }

    @Deactivate
    void deactivate() {
        machine.removeListener(this);
        watch.ifPresent(FolderWatch::close);
        worker.shutdownNow();
        // the wait and the last save run whole even when the stop comes interrupted; the interrupt is kept
        boolean interrupted = Thread.interrupted();
        try {
            worker.awaitTermination(2, TimeUnit.SECONDS); // a change under way reaches the ledger before its last save
        } catch (InterruptedException e) {
            interrupted = true;
        }
        ledger.saveIfChanged(); // interrupted, its write would be cut short and a deletion it records lost
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void later(Runnable task, long delayMillis) {
        try {
            worker.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // the component is going
        }
    }

    // ---- the view: committed state into the folder

    /**
     * Brings the folder in line with the committed state: what is missing is written back (at
     * start, with one line listing it); a file of the view whose artifact changed or went is
     * updated or removed. Files an operator changed are left alone.
     */
    private void reconcile(boolean atStart) {
        List<String> restored = new ArrayList<>();
        List<String> keptDeleted = new ArrayList<>();
        List.copyOf(deletionsNotRecorded.keySet()).forEach(this::forgetDeletionIfChanged); // also of names gone since
        for (Artifact artifact : repository.artifacts()) {
            Path file = folder.resolve(artifact.name());
            try {
                if (!Files.exists(file)) {
                    if (deletionsNotRecorded.containsKey(artifact.name())) { // still what was deleted: checked above
                        keptDeleted.add(artifact.name());
                    } else if (writeFile(artifact, Optional.empty())) {
                        restored.add(artifact.name());
                    }
                } else if (viewOwns(artifact.name(), file) && !ledger.entry(artifact.name()).orElseThrow().sha256()
                        .equals(artifact.sha256())) {
                    writeFile(artifact, ledger.entry(artifact.name()));
                }
            } catch (DiskRoom.NoRoomException e) {
                if (waitingForRoom.add(artifact.name())) { // one line and one retry, however often this runs
                    LOG.warn("{} is not shown in {} yet: {}; it is written once there is room", artifact.name(),
                            folder, e.getMessage());
                    later(() -> mirror(artifact, 1), RETRY_MILLIS);
                }
            } catch (IOException e) {
                LOG.warn("Could not bring {} in line with the repository: {}", file, e.getMessage());
            }
        }
        removeViewFilesOfDeletedArtifacts();
        if (!restored.isEmpty() && atStart) {
            LOG.warn("{} of {} stored artifacts were missing from {} at start (deleted while the node was down, or "
                    + "the folder was emptied); they were written back from the repository and nothing was undeployed: "
                    + "{}. To undeploy an artifact, delete its file while the node runs", restored.size(),
                    repository.artifacts().size(), folder, restored);
        }
        if (atStart) {
            announceKeptDeleted(keptDeleted);
        }
    }

    /** One line for the deleted files a start keeps deleted, each named once however the log replays. */
    private void announceKeptDeleted(List<String> names) {
        List<String> fresh = names.stream().filter(announcedKeptDeleted::add).toList();
        if (!fresh.isEmpty()) {
            LOG.warn("{} file(s) deleted from {} while this manager recorded no changes stay deleted, and are removed "
                    + "from the repository once it records changes (the fleet moved to it): {}", fresh.size(),
                    folder, fresh);
        }
    }

    /**
     * Gives up the remembered deletion of {@code name} when something changed under that name since
     * (another repository, generation or revision is not what the operator deleted).
     */
    private void forgetDeletionIfChanged(String name) {
        StoredAs then = deletionsNotRecorded.get(name);
        if (then != null && !then.equals(storedAs(name))) {
            deletionsNotRecorded.remove(name);
            ledger.forgetUnrecordedDeletion(name);
        }
    }

    private void removeViewFilesOfDeletedArtifacts() {
        try (var files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                Optional<Artifact> latest = machine.latest(name);
                if ((latest.isEmpty() || latest.get().deleted()) && viewOwns(name, file)) {
                    Files.deleteIfExists(file);
                    ledger.removedByView(name);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not bring {} in line with the repository: {}", folder, e.getMessage());
        }
    }

    /** Whether a file holds committed content that nobody touched since: the view may replace or remove it. */
    private boolean viewOwns(String name, Path file) throws IOException {
        Optional<FolderLedger.Entry> entry = ledger.entry(name);
        return entry.isPresent() && entry.get().matches(file);
    }

    /**
     * Once this manager records changes (the fleet was moved to its repository, or it became the
     * authority otherwise), what the operator did in its folder before that, and was logged as not
     * recorded, is recorded after all: the files dropped, and the files deleted that are still
     * gone with nothing changed under their names since.
     */
    private void takeUpNotRecorded() {
        List<File> dropped = refusedAsIs.entrySet().stream().filter(e -> e.getValue().why() == Refusal.NOT_RECORDED)
                .map(e -> folder.resolve(e.getKey()).toFile()).toList();
        // the decision weighs every report: asked only when something waits for it
        if ((dropped.isEmpty() && deletionsNotRecorded.isEmpty()) || !authority.current().acceptsChanges()) {
            return;
        }
        dropped.forEach(file -> refusedAsIs.remove(file.getName()));
        List<File> deleted = deletionsNotRecorded.entrySet().stream()
                .filter(e -> e.getValue().equals(storedAs(e.getKey()))) // not another repository, or a newer version
                .map(e -> folder.resolve(e.getKey()).toFile())
                .filter(file -> !file.exists()).toList(); // one dropped again since is a drop, taken up as such
        deletionsNotRecorded.keySet().forEach(ledger::forgetUnrecordedDeletion);
        deletionsNotRecorded.clear();
        if (!dropped.isEmpty()) {
            LOG.info("This manager records changes now: {} file(s) in {} that were not recorded are taken up: {}",
                    dropped.size(), folder, namesOf(dropped));
            recordAll(dropped); // what is gone, or stored meanwhile, is passed over there
        }
        if (!deleted.isEmpty()) {
            LOG.info("This manager records changes now: {} file(s) deleted from {} whose deletion was not recorded "
                    + "are taken up: {}", deleted.size(), folder, namesOf(deleted));
            deleted.forEach(this::removed);
        }
    }

    /**
     * A file in the folder as it stands before its content is read, if it is an operator's change
     * still to record: not once it is gone, the view's own copy of committed content (or a
     * recorded file nobody touched since), or holds what is stored under its name already; the
     * ledger is then told, so it is not hashed again. The file is stamped before it is read, so a
     * rewrite meanwhile is never stamped as what was read; and the stored artifact is read once, so
     * a change committed meanwhile cannot give the ledger a digest the file does not hold.
     */
    private Optional<FolderLedger.Entry> toRecord(String name, Path path) throws IOException {
        BasicFileAttributes now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        }
        FolderLedger.Entry asRead = FolderLedger.Entry.of(now);
        if (!now.isRegularFile() || ledger.entry(name).filter(owned -> owned.matches(asRead)).isPresent()) {
            return Optional.empty();
        }
        Optional<Artifact> stored = machine.latest(name).filter(artifact -> !artifact.deleted());
        if (stored.isPresent() && stored.get().size() == asRead.size()
                && BlobStore.digest(path).equals(stored.get().sha256())) {
            ledger.committed(name, stored.get().sha256(), asRead);
            return Optional.empty();
        }
        return Optional.of(asRead);
    }

    /**
     * Once this manager has replayed the managers' log (it knows the repository and a leader), the
     * folder is brought in line with it in one go, with one line for what was written back, and
     * follows every change from then on. Changes replayed before that are covered by that one go.
     */
    @Override
    public void consensusChanged(ConsensusState state) {
        hasLeader = state.hasLeader();
        startFollowing();
    }

    private boolean startFollowing() {
        if (!following && hasLeader && !machine.repositoryId().isEmpty()) {
            following = true;
            later(() -> reconcile(true), 0);
            return true;
        }
        return false;
    }

    /** A change the managers committed (here or elsewhere) shows in the folder. */
    @Override
    public void applied(Change change, Artifact before) {
        if (following) {
            later(() -> mirror(change.artifact(), 0), 0);
        } else {
            startFollowing(); // a manager that joined with no log: its first changes arrive after it joined
        }
    }

    @Override
    public void replaced() {
        if (following) {
            later(() -> reconcile(false), 0);
        } else {
            startFollowing();
        }
    }

    private void mirror(Artifact change, int attempt) {
        Path file = folder.resolve(change.name());
        boolean waitsForRoom = false;
        try {
            Optional<Artifact> latest = machine.latest(change.name());
            boolean fromHere = Long.valueOf(change.revision()).equals(recordedHere.remove(change.name()));
            if (latest.isPresent() && latest.get().revision() > change.revision()) {
                return; // a later change of this name is on its way too
            }
            boolean present = Files.isRegularFile(file);
            if (!present && !change.deleted() && fromHere) {
                // the operator's drop, recorded from here, and gone since: deleted or renamed while
                // its change committed, which is the next change, not a file to write back
                reported(Reported.gone(file.toFile()));
                return;
            }
            if (present && viewOwns(change.name(), file) && !change.deleted()
                    && ledger.entry(change.name()).map(e -> e.sha256().equals(change.sha256())).orElse(false)) {
                return; // it holds this content already: the operator's drop, recorded before this ran
            }
            if (present && !viewOwns(change.name(), file)) {
                if (!change.deleted() && BlobStore.digest(file).equals(change.sha256())) {
                    ledger.committed(change.name(), change.sha256(), file); // the operator's drop, now recorded
                }
                return; // an operator's file stays, whatever the managers committed; it becomes the next change
            }
            if (change.deleted()) {
                if (present) {
                    Files.deleteIfExists(file);
                    ledger.removedByView(change.name());
                }
                return;
            }
            if (!present && deletionsNotRecorded.containsKey(change.name())) {
                // the managers' log replayed after this manager started following (its commit index
                // on disk was behind): the operator's deletion still stands, as at start
                forgetDeletionIfChanged(change.name());
                if (deletionsNotRecorded.containsKey(change.name())) {
                    announceKeptDeleted(List.of(change.name()));
                    return;
                }
            }
            boolean written;
            try {
                written = writeFile(change, present ? ledger.entry(change.name()) : Optional.empty());
            } catch (DiskRoom.NoRoomException e) {
                waitsForRoom = true;
                if (waitingForRoom.add(change.name())) {
                    LOG.warn("Revision {} of {} is not shown in {} yet: {}; it is written once there is room",
                            change.revision(), change.name(), folder, e.getMessage());
                }
                later(() -> mirror(change, attempt + 1), Math.min(MAX_RETRY_MILLIS, RETRY_MILLIS << Math.min(attempt, 6)));
                return;
            }
            if (!written) {
                if (attempt < CONTENT_ATTEMPTS) {
                    // the content is still on its way from the other managers
                    later(() -> mirror(change, attempt + 1), RETRY_MILLIS);
                } else {
                    LOG.warn("{} (revision {}) is not shown in {}: its content never arrived on this manager",
                            change.name(), change.revision(), folder);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not show revision {} of {} in {}: {}", change.revision(), change.name(), folder, e.getMessage());
        } finally {
            if (!waitsForRoom) {
                waitingForRoom.remove(change.name()); // shown, superseded, or failed for another reason
            }
        }
    }

    /**
     * Writes an artifact's stored content into the folder: a dot-named copy (File Install ignores
     * it), then one rename, so it only ever sees the whole file. Just before the rename, the target
     * must still be what it was when the view decided ({@code expected}: absent, or the ledger's
     * file); an operator's drop in between is never replaced.
     */
    private boolean writeFile(Artifact artifact, Optional<FolderLedger.Entry> expected) throws IOException {
        Optional<Path> blob = repository.content(artifact.sha256());
        if (blob.isEmpty()) {
            return false;
        }
        Path target = folder.resolve(artifact.name());
        Path temp = folder.resolve("." + artifact.name() + ".restore");
        Files.deleteIfExists(temp);
        DiskRoom.require(folder, artifact.size(), artifact.name());
        try {
            if (artifact.type() == ArtifactType.CONFIGURATION && ownerOnlyFile(temp)) {
                // configurations may hold credentials: owner-only from the moment the file exists
                try (java.io.OutputStream out = Files.newOutputStream(temp, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                    Files.copy(blob.get(), out);
                }
            } else {
                Files.copy(blob.get(), temp);
            }
        } catch (IOException e) {
            Files.deleteIfExists(temp); // a copy cut short (a full disk) is not left in the operator's folder
            throw DiskRoom.explain(e, folder, artifact.size(), artifact.name());
        }
        boolean unchanged = expected.isEmpty() ? !Files.exists(target) : expected.get().matches(target);
        if (!unchanged) {
            Files.deleteIfExists(temp);
            return true; // someone put another file there meanwhile: it stays
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        ledger.committed(artifact.name(), artifact.sha256(), target);
        return true;
    }

    /** Creates an empty owner-only file; false where the file system has no such permissions. */
    private static boolean ownerOnlyFile(Path file) throws IOException {
        try {
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            return true;
        } catch (UnsupportedOperationException notPosix) {
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
        return isScratch(file.getName());
    }

    private static boolean isScratch(String name) {
        return name.startsWith(".") || name.endsWith("~") || name.endsWith(".tmp") || name.endsWith(".part")
                || name.endsWith(".swp");
    }

    @Override
    public void install(File file) {
        reported(Reported.changed(file));
    }

    @Override
    public void update(File file) {
        reported(Reported.changed(file));
    }

    @Override
    public void uninstall(File file) {
        reported(Reported.gone(file));
    }

    /**
     * What a report says of a file: File Install reports one that sat still for one of its polls,
     * or went; the {@link FolderWatch} reports an archive it read whole, or one that went.
     *
     * @param readWhole for an archive the watch read whole: its size and time then; otherwise null
     */
    private record Reported(File file, boolean gone, FolderLedger.Entry readWhole) {

        static Reported changed(File file) {
            return new Reported(file, false, null);
        }

        static Reported whole(File file, FolderLedger.Entry asRead) {
            return new Reported(file, false, asRead);
        }

        static Reported gone(File file) {
            return new Reported(file, true, null);
        }

        /** Whether the watch read this archive whole and it is still that file: its end record need not be read again. */
        boolean stillAsReadWhole() {
            try {
                return readWhole != null && readWhole.matches(file.toPath());
            } catch (IOException e) {
                return false;
            }
        }
    }

    /**
     * File Install reports the files of a burst one call at a time; they are taken up in order on
     * the folder's thread, and the dropped ones of a burst are recorded together ({@link
     * #recordAll}): waiting for each one's commit in File Install's thread made a burst cost a
     * commit's round trip per file. Removals go the same way, so a file dropped and deleted again
     * is taken up in the order it happened.
     */
    private void reported(Reported report) {
        lastReported = System.currentTimeMillis();
        boolean first;
        String name = report.file().getName();
        synchronized (reported) {
            first = reported.isEmpty();
            reported.remove(name); // a later report of a name is taken up after the others
            reported.put(name, report);
        }
        if (first) {
            later(this::takeUpReported, 0);
        }
    }

    private void takeUpReported() {
        List<Reported> taken;
        synchronized (reported) {
            taken = List.copyOf(reported.values());
            reported.clear();
        }
        try {
            takeUp(taken);
        } catch (RuntimeException e) {
            LOG.warn("Could not take up what File Install reported in {} ({} files): {}; a dropped file is found "
                    + "again by the sweep", folder, taken.size(), e.toString());
        }
    }

    private void takeUp(List<Reported> taken) {
        List<File> dropped = new ArrayList<>();
        for (Reported report : taken) {
            if (!report.gone()) {
                if (!report.stillAsReadWhole() && stillBeingCopied(report.file())) {
                    later(() -> reported(Reported.changed(report.file())), RETRY_MILLIS); // looked at again, not refused yet
                } else if (!isScratch(report.file()) && !refusedAsItStands(report.file())) {
                    dropped.add(report.file());
                }
                continue;
            }
            refusedAsIs.remove(report.file().getName());
            recordAll(dropped);
            dropped.clear();
            removed(report.file());
        }
        recordAll(dropped);
        lastReported = System.currentTimeMillis(); // the sweep leaves the folder alone a moment longer
    }

    /**
     * Whether a dropped archive is still being copied, slowly (over a network, say): it has no end
     * record of its own yet and changed within the last {@value #STILL_MILLIS} ms. File Install
     * reports a file once it sat still for one poll, so such a copy was refused as "not a readable
     * zip archive" at every pause, while the operator watched it arrive. It is looked at again
     * instead; once it has sat still that long, it is taken as it is, and refused if broken. (An
     * archive of the zip64 format, over 4 GB, has no end record this reads: it waits that long too.)
     * An archive the watch read whole, and that has not changed since, is not read again.
     */
    private static boolean stillBeingCopied(File file) {
        Optional<ArtifactType> type = ArtifactType.of(file.getName());
        if (type.isEmpty() || type.get() == ArtifactType.CONFIGURATION || isScratch(file)
                || Math.abs(System.currentTimeMillis() - file.lastModified()) > STILL_MILLIS) { // a time ahead: not waited for
            return false;
        }
        try {
            return FolderWatch.endRecord(file).isEmpty();
        } catch (IOException e) {
            return false; // taken up now, and what cannot be read is said there
        }
    }

    /**
     * Whether a dropped file was refused, or logged as not recorded, as it stands: reported again
     * unchanged, it is not refused twice.
     */
    private boolean refusedAsItStands(File file) {
        Refused remembered = refusedAsIs.get(file.getName());
        try {
            return remembered != null && remembered.asRead().matches(file.toPath());
        } catch (IOException e) {
            return false; // looked at again, and what cannot be read is said there
        }
    }

    /** Why a dropped file was turned away. */
    private enum Refusal {
        /** The repository refused it as broken: it waits for the operator to fix it. */
        BROKEN,
        /** The fleet followed another manager's repository: it waits for the fleet to move here. */
        NOT_RECORDED
    }

    /** A dropped file turned away, as it stood when it was. */
    private record Refused(FolderLedger.Entry asRead, Refusal why) {
    }

    private StoredAs storedAs(String name) {
        return new StoredAs(machine.repositoryId(), machine.generation(),
                machine.latest(name).map(Artifact::revision).orElse(0L));
    }

    private void removed(File file) {
        String name = file.getName();
        if (isScratch(file) || ledger.wasRemovedByView(name)) {
            ledger.forget(name);
            return; // the view removed it: nothing for an operator to record
        }
        if (storedAs(name).equals(deletionsNotRecorded.get(name))) {
            // reported again (by the watch, then File Install, or deleted again after the same content came
            // back unseen): said, and listed as refused, once already; the ledger holds it as deleted again
            ledger.deletedUnrecorded(name, deletionsNotRecorded.get(name));
            return;
        }
        ledger.forget(name);
        repository.forgetRefusal(name); // a refused file deleted: the console and status stop listing it
        if (machine.latest(name).map(Artifact::deleted).orElse(true)) {
            return; // nothing stored under that name
        }
        whenAccepted(name, Operation.DELETED, new Work() {
            @Override
            public void run() throws IOException, NoQuorumException {
                if (Files.exists(file.toPath())) {
                    return; // it came back before the change could be recorded
                }
                repository.remove(name);
            }

            @Override
            public void notRecorded() {
                deletionsNotRecorded.put(name, storedAs(name));
                ledger.deletedUnrecorded(name, storedAs(name));
            }
        });
    }

    private void store(File file) {
        if (isScratch(file)) {
            return;
        }
        try {
            if (viewOwns(file.getName(), file.toPath())) {
                return; // the view's own copy of committed content (or a recorded file nobody touched since)
            }
        } catch (IOException e) {
            LOG.error("Could not read {}: {}; it will be tried again when the file changes", file, e.getMessage());
            return;
        }
        whenAccepted(file.getName(), Operation.DROPPED, recording(file));
    }

    /**
     * Recording one dropped file, on its own: stored, its change committed, the ledger told. Not
     * recorded (the fleet follows another repository), it is said once, until it changes.
     */
    private Work recording(File file) {
        return new Work() {
            @Override
            public void run() throws IOException, NoQuorumException {
                Optional<InFlight> proposed = proposed(file);
                if (proposed.isPresent()) {
                    recorded(file, CommandProposer.await(proposed.get().change(), file.getName()),
                            proposed.get().asRead());
                }
            }

            @Override
            public void notRecorded() {
                try {
                    refusedAsIs.put(file.getName(), new Refused(FolderLedger.Entry.of(file.toPath()), Refusal.NOT_RECORDED));
                } catch (IOException gone) {
                    // the file went meanwhile: nothing stands to be remembered
                }
            }
        };
    }

    /**
     * A dropped file's content stored and its change proposed; none when there is nothing to
     * record (the file is gone, the view's own copy, or holds what is stored already) or the
     * repository refused it (it logged that and lists it in status; the file stays for the
     * operator to fix, and is not refused again until it changes).
     *
     * @throws NoSuchFileException when something other than the dropped file is missing: the
     *         change waits and is tried again, like one that could not be committed
     */
    private Optional<InFlight> proposed(File file) throws IOException, NoQuorumException {
        Path path = file.toPath();
        String name = file.getName();
        try {
            Optional<FolderLedger.Entry> asRead = toRecord(name, path);
            if (asRead.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new InFlight(repository.storeAsync(name, path), asRead.get()));
            } catch (InvalidArtifactException refused) {
                refusedAsIs.put(name, new Refused(asRead.get(), Refusal.BROKEN));
                return Optional.empty();
            }
        } catch (NoSuchFileException gone) {
            if (Files.exists(path)) {
                throw gone;
            }
            return Optional.empty(); // deleted since it was reported: whoever reports that records it
        }
    }

    /**
     * A dropped file's change is committed: the ledger learns the file as it stood when its
     * content was read; one rewritten since is taken up again. Its mirror, which always runs after
     * this on the folder's thread, is told the change came from this folder ({@link
     * #recordedHere}): if the file is gone by then (deleted or renamed by an operator who changed
     * their mind in the moment it took), that is the next change, not a file to write back.
     */
    private void recorded(File file, Artifact recorded, FolderLedger.Entry asRead) throws IOException {
        String name = file.getName();
        refusedAsIs.remove(name);
        recordedHere.put(name, recorded.revision());
        if (asRead.matches(file.toPath())) {
            ledger.committed(name, recorded.sha256(), asRead);
        } else if (Files.exists(file.toPath())) {
            reported(Reported.changed(file)); // rewritten since its content was read: what it holds now comes next
        }
    }

    /** A change proposed by {@link #recordAll}, and the file as it stood when its content was read. */
    private record InFlight(CompletableFuture<Artifact> change, FolderLedger.Entry asRead) {
    }

    /**
     * Records the files of a burst with many changes in flight at once: each file's content is
     * validated and stored in turn, and its change proposed without waiting for the one before it
     * to commit, so the managers commit a burst in a few appends to their log. One at a time, each
     * file paid a commit's round trip: 1,000 files moved in with one mv took 8.3 s on a manager
     * alone. Who may record is asked again for every {@value #IN_FLIGHT} files. A file whose change
     * could not be proposed or committed waits and is tried again on its own, later, so the
     * folder's thread (which also keeps the view) is never held by one file's retries.
     */
    private void recordAll(List<File> files) {
        Map<File, InFlight> inFlight = new LinkedHashMap<>();
        for (File file : files) {
            if (Thread.currentThread().isInterrupted()) {
                return; // stopping: File Install reports every file again at the next start
            }
            if (inFlight.isEmpty()) {
                FleetAuthority.Kind kind = authority.current().kind();
                if (kind != FleetAuthority.Kind.SELF && kind != FleetAuthority.Kind.FOLLOWER) {
                    store(file); // waits, or is logged as not recorded, as a single file
                    continue;
                }
            }
            try {
                proposed(file).ifPresent(change -> inFlight.put(file, change));
            } catch (IOException | NoQuorumException e) {
                retryLater(file.getName(), Operation.DROPPED, recording(file), reasonOf(e), RETRY_MILLIS);
            }
            if (inFlight.size() >= IN_FLIGHT) {
                awaitRecorded(inFlight);
            }
        }
        awaitRecorded(inFlight);
    }

    private void awaitRecorded(Map<File, InFlight> inFlight) {
        for (Map.Entry<File, InFlight> entry : inFlight.entrySet()) {
            File file = entry.getKey();
            String name = file.getName();
            try {
                recorded(file, CommandProposer.await(entry.getValue().change(), name), entry.getValue().asRead());
                waiting.remove(name);
                waitingFor.remove(name);
            } catch (IOException | NoQuorumException e) {
                if (Thread.currentThread().isInterrupted()) {
                    break; // stopping: File Install reports every file again at the next start
                }
                // not committed, or not known to be: looked at again, on its own, later
                retryLater(name, Operation.DROPPED, recording(file), reasonOf(e), RETRY_MILLIS);
            }
        }
        inFlight.clear();
    }

    /** Why a change waits, for its log line: a missing file's exception says only its path. */
    private static String reasonOf(Exception e) {
        return e instanceof NoSuchFileException missing ? missing.getFile() + " is missing" : e.getMessage();
    }

    /** A change to record, run once this manager's changes count. */
    private interface Work {
        void run() throws IOException, NoQuorumException;

        /** Told that the change was not recorded, because the fleet follows another manager's repository. */
        default void notRecorded() {
        }
    }

    /** What an operator did to a file in the folder, as the log lines say it. */
    private enum Operation {
        DROPPED, DELETED;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Runs a change now if this manager's changes count; logs it as not recorded if the fleet
     * follows another repository; tries again while this manager cannot tell yet, its managers
     * have no majority, or a change could not be committed, waiting longer each time.
     */
    private void whenAccepted(String name, Operation what, Work change) {
        whenAccepted(name, what, change, RETRY_MILLIS);
    }

    private void whenAccepted(String name, Operation what, Work change, long retry) {
        FleetAuthority.Decision decision = authority.current();
        switch (decision.kind()) {
            case SELF, FOLLOWER -> {
                waiting.remove(name);
                try {
                    change.run();
                    waitingFor.remove(name);
                } catch (IOException | NoQuorumException e) {
                    retryLater(name, what, change, reasonOf(e), retry);
                }
            }
            case OTHER -> {
                waiting.remove(name);
                waitingFor.remove(name);
                String reason = name + " " + what + " in " + folder + " was not recorded: " + decision.reason();
                repository.recordRefusal(name, reason);
                LOG.warn(reason);
                change.notRecorded();
            }
            case UNDECIDED, NO_QUORUM -> retryLater(name, what, change, decision.reason(), retry);
        }
    }

    private void retryLater(String name, Operation what, Work change, String reason, long retry) {
        String why = reason == null ? "no reason given" : reason;
        if (!DiskRoom.alike(why, waitingFor.put(name, why))) { // the same but for figures (free space) is said once
            LOG.warn("{} {} in {} waits to be recorded: {}", name, what, folder, why);
        }
        long next = Math.min(MAX_RETRY_MILLIS, retry * 2);
        if (waiting.put(name, () -> whenAccepted(name, what, change, next)) == null) {
            later(() -> {
                Runnable pending = waiting.remove(name);
                if (pending != null) {
                    pending.run();
                }
            }, retry);
        }
    }
}
