package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repository's history on disk: one line per change, appended and forced to disk before the
 * change counts. {@code revision TAB put|del TAB type TAB sha256 TAB size TAB name}. A line cut
 * short by a crash is dropped when the log is read back, so a crash can lose at most the change
 * that was being written, never corrupt the ones before it.
 */
final class RevisionLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RevisionLog.class);

    private final Path file;
    private final FileChannel channel;

    private RevisionLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens (or creates) the log and reads back every complete change in it. */
    static RevisionLog open(Path file, List<Artifact> into) throws IOException {
        Files.createDirectories(file.getParent());
        long goodLength = 0;
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                    Artifact change = parse(line);
                    if (change == null) {
                        LOG.warn("Repository log {} has an unreadable line {}; keeping the {} changes before it",
                                file, into.size() + 1, into.size());
                        break;
                    }
                    into.add(change);
                    start = i + 1;
                    goodLength = start;
                }
            }
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (channel.size() > goodLength) {
            LOG.warn("Repository log {} ends in a change cut short (a crash while writing); dropping it", file);
            channel.truncate(goodLength);
        }
        channel.position(goodLength);
        return new RevisionLog(file, channel);
    }

    synchronized void append(Artifact change) throws IOException {
        String line = change.revision() + "\t" + (change.deleted() ? "del" : "put") + "\t" + change.type().label() + "\t"
                + (change.sha256().isEmpty() ? "-" : change.sha256()) + "\t" + change.size() + "\t" + change.name() + "\n";
        ByteBuffer buffer = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        channel.force(false);
    }

    private static Artifact parse(String line) {
        String[] fields = line.split("\t", 6);
        if (fields.length != 6) {
            return null;
        }
        try {
            boolean deleted = fields[1].equals("del");
            return new Artifact(fields[5], ArtifactType.valueOf(fields[2].toUpperCase(java.util.Locale.ROOT)),
                    Long.parseLong(fields[0]), deleted ? "" : fields[3], Long.parseLong(fields[4]), deleted);
        } catch (IllegalArgumentException e) {
            return null;
        }
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
