package io.carbide.repository.internal;

import io.carbide.node.AtomicFile;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which files of {@code deploy/} hold committed content that nobody has touched since: the ones
 * the view wrote, and the ones an operator dropped that were then recorded. Each is kept with its
 * digest, size and modification time, in {@code data/repository/deploy-folder.ledger}. File
 * Install reports every file again at each start, and reports the view's own writes and deletions
 * a moment later: a report that matches the ledger is not an operator's change, so a manager that
 * restarts behind the others never proposes its stale copies (which would roll the fleet back),
 * and a file the view removed is never taken for a removal by an operator.
 *
 * <p>It also keeps the files an operator deleted while this manager recorded no changes (the
 * fleet followed another repository), with what was stored under the name then: a restart must
 * not write such a file back, and its deletion is still to be recorded once this manager records
 * changes.
 *
 * <pre>
 * format=1
 * NAME=SHA256 SIZE MODIFIED_MILLIS      a file holding committed content
 * NAME=-                                 a file the view removed
 * NAME=unrecorded REPOSITORY GENERATION REVISION   a file deleted by an operator, not recorded yet
 * </pre>
 *
 * An earlier build reads an {@code unrecorded} line as a file it knows nothing of: it writes the
 * file back, as it always did.
 */
final class FolderLedger {

    private static final Logger LOG = LoggerFactory.getLogger(FolderLedger.class);
    static final String REMOVED = "-";
    private static final String UNRECORDED = "unrecorded ";

    /**
     * What a manager's repository holds under a name: which repository, of which generation (a
     * recovery may number other content alike), at which revision (0: nothing).
     */
    record StoredAs(String repositoryId, long generation, long revision) {
    }

    /** What the ledger knows of one file. */
    record Entry(String sha256, long size, long modified) {
        /** A file as it stands now, before its content is read (its digest is not known yet). */
        static Entry of(Path file) throws IOException {
            return of(Files.readAttributes(file, BasicFileAttributes.class));
        }

        static Entry of(BasicFileAttributes file) {
            return new Entry("", file.size(), file.lastModifiedTime().toMillis());
        }

        /** Whether the file still stands as this says: false once it is gone. */
        boolean matches(Path file) throws IOException {
            BasicFileAttributes now;
            try {
                now = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException gone) {
                return false;
            }
            return now.isRegularFile() && matches(of(now));
        }

        /** Whether a file stood with the same size and time as this says (the digests are not compared). */
        boolean matches(Entry stamp) {
            return stamp.size == size && stamp.modified == modified;
        }
    }

    private final Path file;
    private final Map<String, String> entries = new TreeMap<>();
    private boolean dirty;

    FolderLedger(Path file) {
        this.file = file;
        if (Files.isRegularFile(file)) {
            Properties read = new Properties();
            try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                read.load(in);
                read.stringPropertyNames().stream().filter(k -> !k.equals("format"))
                        .forEach(k -> entries.put(k, read.getProperty(k)));
            } catch (IOException | IllegalArgumentException e) {
                // a ledger that cannot be read only costs re-recording files that are already stored
                LOG.warn("{} is unreadable ({}); every file of deploy/ counts as dropped anew", file, e.getMessage());
            }
        }
    }

    /** Records that {@code name} now holds committed content {@code sha256}, as the file stands now. */
    synchronized void committed(String name, String sha256, Path written) throws IOException {
        committed(name, sha256, Entry.of(written));
    }

    /** Records that {@code name} holds committed content {@code sha256}, as the file stood when it was read. */
    synchronized void committed(String name, String sha256, Entry asRead) {
        entries.put(name, sha256 + " " + asRead.size() + " " + asRead.modified());
        dirty = true;
    }

    synchronized void removedByView(String name) {
        entries.put(name, REMOVED);
        dirty = true;
    }

    synchronized void forget(String name) {
        dirty |= entries.remove(name) != null;
    }

    /** Records that an operator deleted {@code name} and the deletion is not recorded yet. */
    synchronized void deletedUnrecorded(String name, StoredAs storedThen) {
        entries.put(name, UNRECORDED + storedThen.repositoryId() + " " + storedThen.generation() + " "
                + storedThen.revision());
        dirty = true;
    }

    /** Forgets a deletion not recorded yet (recorded now, or given up), and nothing else of {@code name}. */
    synchronized void forgetUnrecordedDeletion(String name) {
        String value = entries.get(name);
        if (value != null && value.startsWith(UNRECORDED)) {
            entries.remove(name);
            dirty = true;
        }
    }

    /** The deletions not recorded yet, by name, with what was stored under each name then. */
    synchronized Map<String, StoredAs> unrecordedDeletions() {
        Map<String, StoredAs> deletions = new TreeMap<>();
        entries.forEach((name, value) -> {
            if (!value.startsWith(UNRECORDED)) {
                return;
            }
            String[] fields = value.substring(UNRECORDED.length()).split(" ");
            try {
                if (fields.length != 3) {
                    throw new NumberFormatException(fields.length + " fields");
                }
                deletions.put(name, new StoredAs(fields[0], Long.parseLong(fields[1]), Long.parseLong(fields[2])));
            } catch (NumberFormatException e) {
                LOG.warn("{}: the deletion of {} cannot be read ({}); the file is written back", file, name, value);
            }
        });
        return deletions;
    }

    /** The file the ledger knows under this name, if it holds committed content. */
    synchronized Optional<Entry> entry(String name) {
        String value = entries.get(name);
        if (value == null || value.equals(REMOVED) || value.startsWith(UNRECORDED)) {
            return Optional.empty();
        }
        String[] fields = value.split(" ");
        try {
            return fields.length == 3 ? Optional.of(new Entry(fields[0], Long.parseLong(fields[1]),
                    Long.parseLong(fields[2]))) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the view removed this file (so File Install's report of its deletion is the view's). */
    synchronized boolean wasRemovedByView(String name) {
        return REMOVED.equals(entries.get(name));
    }

    /** The last failure to write the ledger, said once; null once a write succeeds. */
    private String lastFailure;

    /**
     * Writes the ledger if it changed. Called a few times a second rather than per file, so a bulk
     * deploy does not rewrite it a thousand times; a crash can lose the last moment of it, which
     * only makes those files count as dropped again (and content already stored records nothing).
     */
    synchronized void saveIfChanged() {
        if (!dirty) {
            return;
        }
        try {
            save();
            dirty = false;
            lastFailure = null;
        } catch (java.nio.channels.ClosedByInterruptException stopping) {
            // the deploy folder's thread was stopped in the middle of its periodic write; nothing
            // was replaced, and the stop writes the ledger once more, not interrupted (DeployFolder.deactivate)
            LOG.debug("Writing {} was interrupted by the deploy folder's stop", file);
        } catch (IOException e) {
            // tried again every 200 ms: a full disk is said once, not five times a second
            IOException explained = io.carbide.node.DiskRoom.explain(e, file.getParent(), 0, file.getFileName().toString());
            String failure = explained instanceof io.carbide.node.DiskRoom.NoRoomException ? "no room"
                    : String.valueOf(explained.getMessage());
            if (!failure.equals(lastFailure)) {
                LOG.warn("Could not write {}: {}", file, explained.getMessage());
            }
            lastFailure = failure;
        }
    }

    private void save() throws IOException {
        StringBuilder text = new StringBuilder("format=1\n");
        Properties escaper = new Properties();
        entries.forEach(escaper::setProperty);
        StringWriter written = new StringWriter();
        escaper.store(written, null);
        written.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> text.append(l).append('\n'));
        AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
