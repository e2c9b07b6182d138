package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.Change;
import io.carbide.deployment.Rollout;
import io.carbide.node.AtomicFile;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeLifecycle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code data/repository/revisions.log} and {@code repository.id} equal to what the
 * managers committed: one line appended per applied change, the whole file rewritten when the
 * lineage changes. It is the manager's own, readable record of the history, and what it carries
 * into a new consensus: a manager of an earlier version (which kept only this file), or a survivor
 * starting over after its majority was lost, restores the repository from it with its id, so the
 * workers keep following it.
 *
 * <p>While the managers' log is new (an upgrade, a recovery), this file is the history to carry
 * over, so a damaged line in its middle stops the node with the file and line named, as it always
 * has. Once the managers' log exists it holds the truth, and a damaged file is set aside and
 * written again from it.
 */
@Component(service = RevisionExport.class, immediate = true)
public class RevisionExport implements RevisionStateMachine.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(RevisionExport.class);

    /** What this manager held before a new consensus: the history, id and generation to restore. */
    record CarriedOver(String repositoryId, List<Change> history, long generation, long retainedFrom) {
    }

    private final RevisionStateMachine machine;
    private final Path file;
    private final Path idFile;
    private final CarriedOver carried;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "carbide-revision-export");
        thread.setDaemon(true);
        return thread;
    });
    private RevisionLog log;
    private long exportedUpTo;
    private String exportedId;
    private long exportedGeneration;
    private long exportedRetainedFrom = 1;
    /** The revision an active staged rollout started from, as written in repository.id; -1 for none. */
    private long exportedHeldFrom = -1;

    @Activate
    public RevisionExport(@Reference NodeIdentity node, @Reference NodeLifecycle lifecycle,
            @Reference RevisionStateMachine machine) {
        this.machine = machine;
        Path dir = node.base().resolve("data/repository");
        this.file = dir.resolve("revisions.log");
        this.idFile = dir.resolve("repository.id");
        boolean managersLogIsNew = !Files.isDirectory(node.base().resolve("data/managers/raft.log"));
        List<Change> read = new ArrayList<>();
        CarriedOver found = null;
        try {
            log = openOrSetAside(read, managersLogIsNew);
            exportedUpTo = read.isEmpty() ? 0 : read.get(read.size() - 1).artifact().revision();
            readId();
            if (!exportedId.isEmpty()) {
                List<Change> history = read;
                if (exportedHeldFrom >= 0) {
                    // a staged rollout was under way: what it changed never reached most workers, so a
                    // repository carried over from here ends it as a halt would, without its change
                    history = read.stream().filter(c -> c.artifact().revision() <= exportedHeldFrom).toList();
                    LOG.warn("{} was written during a staged rollout from revision {}: carried over without the {} "
                            + "change(s) after it", file, exportedHeldFrom, read.size() - history.size());
                }
                found = new CarriedOver(exportedId, List.copyOf(history), exportedGeneration, exportedRetainedFrom);
            }
        } catch (RevisionLog.CorruptLogException corrupt) {
            lifecycle.stopForFailure(corrupt.getMessage());
        } catch (IOException e) {
            lifecycle.stopForFailure("cannot open the repository log " + file + ": " + e.getMessage());
        }
        this.carried = found;
        machine.addListener(this);
        // the managers' log may have been replayed before this listener was there (the order of
        // activation is not fixed): a file set aside or cut short is then filled in from it here
        writer.execute(this::catchUp);
    }

    /**
     * {@code repository.id}: the id on its first line (all an earlier version wrote), then
     * {@code generation N} and {@code retainedFrom N}, one per line, and {@code heldFrom N} while a
     * staged rollout from revision N is under way; lines it does not know are skipped.
     */
    private void readId() throws IOException {
        exportedId = "";
        exportedGeneration = 0;
        if (!Files.isRegularFile(idFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(idFile, StandardCharsets.US_ASCII);
        exportedId = lines.isEmpty() ? "" : lines.get(0).strip();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] field = line.strip().split("\\s+", 2);
            try {
                if (field.length == 2 && field[0].equals("generation")) {
                    exportedGeneration = Long.parseLong(field[1]);
                } else if (field.length == 2 && field[0].equals("retainedFrom")) {
                    exportedRetainedFrom = Long.parseLong(field[1]);
                } else if (field.length == 2 && field[0].equals("heldFrom")) {
                    exportedHeldFrom = Long.parseLong(field[1]);
                }
            } catch (NumberFormatException ignored) {
                // read as an earlier version's file
            }
        }
    }

    private RevisionLog openOrSetAside(List<Change> read, boolean strict) throws IOException {
        try {
            return RevisionLog.open(file, read);
        } catch (RevisionLog.CorruptLogException corrupt) {
            if (strict) {
                throw corrupt;
            }
            Path aside = file.resolveSibling("revisions.log.damaged-" + Instant.now().toString().replace(':', '-'));
            Files.move(file, aside);
            LOG.warn("{}; the managers' log holds the history, so the damaged file was set aside as {} and is written "
                    + "again from it", corrupt.getMessage(), aside);
            read.clear();
            return RevisionLog.open(file, read);
        }
    }

    /**
     * This manager held another repository before it joined managers that hold this one: its record
     * is kept aside, never overwritten, for the operator to look at.
     */
    private void keepAside() throws IOException {
        String suffix = ".before-" + exportedId;
        Files.copy(file, file.resolveSibling(file.getFileName() + suffix), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(idFile, idFile.resolveSibling(idFile.getFileName() + suffix),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LOG.warn("Manager's own repository {} ({} changes) differs from the managers' {}: its record is kept as {} and {}",
                exportedId, exportedUpTo, machine.repositoryId(), file.getFileName() + suffix,
                idFile.getFileName() + suffix);
    }

    @Deactivate
    void deactivate() throws IOException, InterruptedException {
        machine.removeListener(this);
        writer.shutdown();
        writer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        if (log != null) {
            log.close();
        }
    }

    /** The history and id this manager held before the managers' consensus had any, if it held one. */
    Optional<CarriedOver> carriedOver() {
        return Optional.ofNullable(carried);
    }

    @Override
    public void applied(Change change, Artifact before) {
        Handoff.hand(writer, () -> export(change));
    }

    @Override
    public void replaced() {
        Handoff.hand(writer, this::catchUp);
    }

    private void writeId(String id, long generation, long retainedFrom) throws IOException {
        long heldFrom = machine.rollout().filter(Rollout::active).map(Rollout::fromRevision).orElse(-1L);
        AtomicFile.write(idFile, (id + "\ngeneration " + generation + "\nretainedFrom " + retainedFrom + "\n"
                + (heldFrom >= 0 ? "heldFrom " + heldFrom + "\n" : "")).getBytes(StandardCharsets.US_ASCII));
        exportedHeldFrom = heldFrom;
        exportedId = id;
        exportedGeneration = generation;
        exportedRetainedFrom = retainedFrom;
    }

    /** A staged rollout started or ended: {@code repository.id} says so before any of its changes is written. */
    @Override
    public void rolloutChanged(Rollout rollout) {
        Handoff.hand(writer, () -> {
            if (log != null && !exportedId.isEmpty() && exportedId.equals(machine.repositoryId())) {
                try {
                    writeId(exportedId, exportedGeneration, exportedRetainedFrom);
                } catch (IOException e) {
                    LOG.error("Could not write {}: {}; the managers' log still holds the rollout", idFile, e.getMessage());
                }
            }
        });
    }

    /** The history lost its oldest changes: the file is written again without them. */
    @Override
    public void compacted(long retainedFrom) {
        Handoff.hand(writer, this::catchUp);
    }

    private void export(Change change) {
        long revision = change.artifact().revision();
        if (log == null || revision <= exportedUpTo) {
            return; // replayed at start: already written
        }
        if (revision != exportedUpTo + 1 || !machine.repositoryId().equals(exportedId)) {
            catchUp();
            return;
        }
        try {
            log.append(change);
            exportedUpTo = revision;
        } catch (IOException e) {
            LOG.error("Could not write revision {} to {}: {}; the managers' log still holds it", revision, file,
                    e.getMessage());
        }
    }

    /**
     * Writes the whole file again from the committed history: for a new lineage, or when the file
     * fell behind. While a restarting manager replays its log the file is ahead, and stays as it is.
     */
    private void catchUp() {
        String id = machine.repositoryId();
        long generation = machine.generation();
        RevisionStateMachine.Retained retained = machine.retained();
        long retainedFrom = retained.retainedFrom();
        if (log == null || id.isEmpty() || (id.equals(exportedId) && generation == exportedGeneration
                && retainedFrom == exportedRetainedFrom && machine.revision() <= exportedUpTo)) {
            return;
        }
        try {
            List<Change> history = retained.history();
            log.close();
            if (!id.equals(exportedId) && !exportedId.isEmpty()) {
                keepAside();
            }
            boolean lineage = !id.equals(exportedId) || generation != exportedGeneration;
            if (!lineage && retainedFrom != exportedRetainedFrom) {
                // a compaction: the id file first, so after a crash between the two it claims no more than the log holds
                writeId(id, generation, retainedFrom);
            }
            RevisionLog.rewrite(file, history);
            if (lineage) {
                writeId(id, generation, retainedFrom);
            }
            log = RevisionLog.open(file, new ArrayList<>());
            exportedUpTo = history.isEmpty() ? 0 : history.get(history.size() - 1).artifact().revision();
        } catch (IOException e) {
            LOG.error("Could not write {} from the managers' log: {}", file, e.getMessage());
        }
    }
}
