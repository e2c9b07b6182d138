package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repository's history on disk, {@code data/repository/revisions.log}: one line per change,
 * appended and forced to disk. {@code revision TAB put|del TAB type TAB sha256 TAB size TAB name}
 * then, from format 2, {@code TAB at TAB by}, and from format 3, on the changes of a rollback,
 * {@code TAB rollback:TARGET}. Readers skip fields they do not know. Every manager keeps one,
 * written from what the
 * managers' consensus committed ({@link RevisionExport}); it is what a manager of an earlier
 * version brings into a new consensus, and what a survivor starts over from in a recovery.
 *
 * <p>Its integrity rules:
 * <ul>
 * <li>A line cut short at the end (a crash while writing) is dropped when the log is read back.</li>
 * <li>An append that fails is cut back to the last good line at once; if even that fails, the log
 *     refuses further lines, so no later line lands after half a line.</li>
 * <li>A damaged line with good lines after it is reported with the file and line named
 *     ({@link CorruptLogException}): valid history is never dropped silently.</li>
 * </ul>
 */
final class RevisionLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RevisionLog.class);

    private final Path file;
    private final FileChannel channel;
    private long goodLength;
    private String broken;

    /** The log holds a damaged line that is not its last. */
    static final class CorruptLogException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptLogException(String message) {
            super(message);
        }
    }

    private RevisionLog(Path file, FileChannel channel, long goodLength) {
        this.file = file;
        this.channel = channel;
        this.goodLength = goodLength;
    }

    /**
     * Opens (or creates) the log and reads back every change in it.
     *
     * @throws CorruptLogException when a line other than the last is damaged
     */
    static RevisionLog open(Path file, List<Change> into) throws IOException {
        Files.createDirectories(file.getParent());
        long goodLength = 0;
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int start = 0;
            int lineNumber = 0;
            long previous = 0;
            while (start < bytes.length) {
                int end = indexOf(bytes, (byte) '\n', start);
                lineNumber++;
                String line = new String(bytes, start, (end < 0 ? bytes.length : end) - start, StandardCharsets.UTF_8);
                Change change = end < 0 ? null : parse(line);
                boolean last = end < 0 || end == bytes.length - 1;
                if (change == null || change.artifact().revision() <= previous) {
                    if (!last) {
                        throw new CorruptLogException("repository log " + file + " line " + lineNumber + " is damaged ("
                                + describe(line, change, previous) + "), and " + countLines(bytes, end + 1)
                                + " more lines follow it; the manager will not start on a log it cannot trust. Restore "
                                + "the file from a backup, or delete that one line if you know it is a failed write");
                    }
                    LOG.warn("Repository log {} ends in a change cut short at line {} (a crash or failed write while "
                            + "writing it); dropping it, the {} changes before it are intact", file, lineNumber, into.size());
                    break;
                }
                into.add(change);
                previous = change.artifact().revision();
                start = end + 1;
                goodLength = start;
            }
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (channel.size() > goodLength) {
            channel.truncate(goodLength);
            channel.force(true);
        }
        channel.position(goodLength);
        return new RevisionLog(file, channel, goodLength);
    }

    /** Replaces the whole file with {@code history}, atomically (a new lineage, or a log rebuilt). */
    static void rewrite(Path file, List<Change> history) throws IOException {
        io.carbide.node.AtomicFile.write(file, text(history));
    }

    /** The whole file as it would hold {@code history}. */
    static byte[] text(List<Change> history) {
        StringBuilder text = new StringBuilder(history.size() * 120);
        history.forEach(change -> text.append(line(change)));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    synchronized void append(Change change) throws IOException {
        if (broken != null) {
            throw new IOException(broken);
        }
        ByteBuffer buffer = ByteBuffer.wrap(line(change).getBytes(StandardCharsets.UTF_8));
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
            goodLength = channel.position();
        } catch (IOException failed) {
            cutBack(failed);
            throw failed;
        }
    }

    private static String line(Change change) {
        Artifact a = change.artifact();
        return a.revision() + "\t" + (a.deleted() ? "del" : "put") + "\t" + a.type().label() + "\t"
                + (a.sha256().isEmpty() ? "-" : a.sha256()) + "\t" + a.size() + "\t" + a.name() + "\t" + change.at()
                + "\t" + change.by().replaceAll("[\\t\\n\\r]", " ")
                + (change.rollbackTo() > 0 ? "\trollback:" + change.rollbackTo() : "") + "\n";
    }

    /** After a failed append: back to the last good line, or no more changes at all. */
    private void cutBack(IOException failed) {
        try {
            channel.truncate(goodLength);
            channel.position(goodLength);
            channel.force(true);
        } catch (IOException alsoFailed) {
            broken = "repository log " + file + " could not be written (" + failed.getMessage() + ") nor cut back to "
                    + "its last good change (" + alsoFailed.getMessage() + "); no more lines are written until the "
                    + "manager is restarted with the disk fixed";
            LOG.error(broken);
        }
    }

    /** Format 1 lines end with the name; format 2 appends when and by whom. */
    private static Change parse(String line) {
        String[] fields = line.split("\t", -1);
        // six fields from the first version, eight since who and when; a later version appends more
        if ((fields.length != 6 && fields.length < 8) || fields[5].isEmpty()) {
            return null;
        }
        try {
            boolean deleted = fields[1].equals("del");
            if (!deleted && !fields[1].equals("put")) {
                return null;
            }
            Artifact artifact = new Artifact(fields[5], ArtifactType.valueOf(fields[2].toUpperCase(Locale.ROOT)),
                    Long.parseLong(fields[0]), deleted ? "" : fields[3], Long.parseLong(fields[4]), deleted);
            if (fields.length < 8) {
                return new Change(artifact, Change.DEPLOY_FOLDER, 0);
            }
            long rollbackTo = 0;
            for (int i = 8; i < fields.length; i++) {
                if (fields[i].startsWith("rollback:")) {
                    rollbackTo = Long.parseLong(fields[i].substring(9));
                }
            }
            return new Change(artifact, fields[7], Long.parseLong(fields[6]), rollbackTo);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String describe(String line, Change change, long previous) {
        if (change != null) {
            return "revision " + change.artifact().revision() + " does not follow revision " + previous;
        }
        String shown = line.length() > 60 ? line.substring(0, 60) + "..." : line;
        return "unreadable: '" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static int countLines(byte[] bytes, int from) {
        int lines = 0;
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n' || i == bytes.length - 1) {
                lines++;
            }
        }
        return lines;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
