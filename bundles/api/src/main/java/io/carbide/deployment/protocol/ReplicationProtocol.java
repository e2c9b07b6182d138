package io.carbide.deployment.protocol;

import io.carbide.cluster.ClusterMessage;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of replication, all version 1:
 *
 * <ul>
 * <li>{@value #ANNOUNCE} (authority to workers, one-way): "the repository is at revision R".</li>
 * <li>{@value #SYNC} (node to authority, request): "I applied revision R of repository I"; the
 *     reply {@value #CHANGES} lists the latest record of every artifact changed since, tombstones
 *     included, or the full state when the node's repository id is not the authority's.</li>
 * <li>{@value #FETCH} (node to authority, request): a chunk of an artifact's content by digest,
 *     offset and length; the reply is the bytes. Large artifacts travel chunk by chunk.</li>
 * <li>{@value #REPORT} (node to authority, one-way): the node's applied revision and the state of
 *     each of its artifacts.</li>
 * </ul>
 * Nodes never send changes to the authority: replication flows one way, so it cannot loop.
 */
public final class ReplicationProtocol {

    public static final String ANNOUNCE = "deployment.announce";
    public static final String SYNC = "deployment.sync";
    public static final String CHANGES = "deployment.changes";
    public static final String FETCH = "deployment.fetch";
    public static final String CHUNK = "deployment.chunk";
    public static final String REPORT = "deployment.report";
    public static final int VERSION = 1;

    /** Largest chunk a fetch may ask for. */
    public static final int MAX_CHUNK = 4 * 1024 * 1024;

    public record Announce(String repositoryId, long revision) {
    }

    public record Sync(String repositoryId, long revision) {
    }

    /** @param full true when {@code artifacts} is the whole live state and anything else must go */
    public record Changes(String repositoryId, long revision, boolean full, List<Artifact> artifacts) {
    }

    public record Fetch(String sha256, long offset, int length) {
    }

    public record Report(long revision, List<ArtifactState> artifacts) {
    }

    private ReplicationProtocol() {
    }

    // ---- encoding

    public static ClusterMessage encode(Announce announce) {
        return message(ANNOUNCE, out -> {
            out.writeUTF(announce.repositoryId());
            out.writeLong(announce.revision());
        });
    }

    public static ClusterMessage encode(Sync sync) {
        return message(SYNC, out -> {
            out.writeUTF(sync.repositoryId());
            out.writeLong(sync.revision());
        });
    }

    public static ClusterMessage encode(Changes changes) {
        return message(CHANGES, out -> {
            out.writeUTF(changes.repositoryId());
            out.writeLong(changes.revision());
            out.writeBoolean(changes.full());
            out.writeInt(changes.artifacts().size());
            for (Artifact artifact : changes.artifacts()) {
                out.writeUTF(artifact.name());
                out.writeByte(artifact.type().ordinal());
                out.writeLong(artifact.revision());
                out.writeUTF(artifact.sha256());
                out.writeLong(artifact.size());
                out.writeBoolean(artifact.deleted());
            }
        });
    }

    public static ClusterMessage encode(Fetch fetch) {
        return message(FETCH, out -> {
            out.writeUTF(fetch.sha256());
            out.writeLong(fetch.offset());
            out.writeInt(fetch.length());
        });
    }

    public static ClusterMessage chunk(byte[] bytes) {
        return new ClusterMessage(CHUNK, VERSION, bytes);
    }

    public static ClusterMessage encode(Report report) {
        return message(REPORT, out -> {
            out.writeLong(report.revision());
            out.writeInt(report.artifacts().size());
            for (ArtifactState state : report.artifacts()) {
                out.writeUTF(state.name());
                out.writeLong(state.revision());
                out.writeUTF(state.sha256());
                out.writeUTF(state.state());
                out.writeUTF(state.reason() == null ? "" : truncate(state.reason()));
            }
        });
    }

    // ---- decoding: each checks type and version, and fails with IOException on anything else

    public static Announce announce(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, ANNOUNCE);
        return new Announce(in.readUTF(), in.readLong());
    }

    public static Sync sync(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, SYNC);
        return new Sync(in.readUTF(), in.readLong());
    }

    public static Changes changes(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, CHANGES);
        String id = in.readUTF();
        long revision = in.readLong();
        boolean full = in.readBoolean();
        int count = count(in);
        List<Artifact> artifacts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int type = in.readUnsignedByte();
            if (type >= ArtifactType.values().length) {
                throw new IOException("unknown artifact type " + type);
            }
            artifacts.add(new Artifact(name, ArtifactType.values()[type], in.readLong(), in.readUTF(), in.readLong(),
                    in.readBoolean()));
        }
        return new Changes(id, revision, full, artifacts);
    }

    public static Fetch fetch(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, FETCH);
        Fetch fetch = new Fetch(in.readUTF(), in.readLong(), in.readInt());
        if (fetch.offset() < 0 || fetch.length() < 0 || fetch.length() > MAX_CHUNK) {
            throw new IOException("fetch of " + fetch.length() + " bytes at " + fetch.offset() + " is out of bounds");
        }
        return fetch;
    }

    public static byte[] chunk(ClusterMessage message) throws IOException {
        open(message, CHUNK);
        return message.payload();
    }

    public static Report report(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, REPORT);
        long revision = in.readLong();
        int count = count(in);
        List<ArtifactState> states = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            states.add(new ArtifactState(in.readUTF(), in.readLong(), in.readUTF(), in.readUTF(), in.readUTF()));
        }
        return new Report(revision, states);
    }

    // ---- plumbing

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static ClusterMessage message(String type, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ClusterMessage(type, VERSION, bytes.toByteArray());
    }

    private static DataInputStream open(ClusterMessage message, String type) throws IOException {
        if (!message.type().equals(type)) {
            throw new IOException("expected a " + type + " message, got " + message.type());
        }
        if (message.version() != VERSION) {
            throw new IOException(type + " version " + message.version() + " is not known here (this node reads "
                    + VERSION + ")");
        }
        return new DataInputStream(new ByteArrayInputStream(message.payload()));
    }

    private static int count(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > in.available()) {
            throw new IOException("list of " + count + " entries cannot fit in " + in.available() + " bytes");
        }
        return count;
    }

    private static String truncate(String text) {
        return text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
    }
}
