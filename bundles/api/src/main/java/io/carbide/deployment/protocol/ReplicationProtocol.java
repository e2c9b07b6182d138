package io.carbide.deployment.protocol;

import io.carbide.cluster.ClusterMessage;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import io.carbide.deployment.RunningDigest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of replication, version 5. Every node that runs artifacts follows one
 * <em>lineage</em>: the id of the repository it applied its artifacts from. It only ever applies
 * announcements, changes and full states of that repository, whoever offers them.
 *
 * <ul>
 * <li>{@value #ANNOUNCE} (every manager to workers, one-way): "my repository I, generation G, is at
 *     revision R, term T, and I am (or am not) the authority"; during a staged rollout also "nodes
 *     other than these are held at revision H" (appended in version 2 of the message).</li>
 * <li>{@value #SYNC} (node to a manager, request): "I applied revision R of repository I"; the
 *     reply {@value #CHANGES} lists the latest record of every artifact changed since, tombstones
 *     included, or the full state for a node that follows no repository yet; since version 3 it
 *     also carries the content of small artifacts, so a batch of them costs no fetch each, and
 *     since version 4 the peers to fetch each large artifact from before the managers. Since
 *     version 5 both carry the {@linkplain #stamp stamp} of the revision they name, so a node whose
 *     revision R is another change than the manager's revision R (the managers lost changes and
 *     recorded others under the same numbers) is told with the full state, never given what
 *     follows R as if their histories were one.</li>
 * <li>{@value #FETCH} (node to a manager, request): a chunk of an artifact's content by digest,
 *     offset and length; the reply is the bytes. Large artifacts travel chunk by chunk.</li>
 * <li>{@value #REPORT} (node to every manager, one-way): the lineage the node follows, its
 *     applied revision, the state of each of its artifacts, and the offers it ignored; since
 *     version 5 also why, if so, its managers lost changes it runs.</li>
 * <li>{@value #ADOPT} (manager to a node, one-way, by an operator's explicit action): "follow my
 *     repository from now on".</li>
 * </ul>
 * Nodes never send changes to a manager: replication flows one way, so it cannot loop.
 *
 * <p>Messages are read tolerantly, so a fleet can be upgraded one node at a time: a field a later
 * version appends is skipped by an older reader, and a field an older sender did not write takes
 * its default.
 */
public final class ReplicationProtocol {

    public static final String ANNOUNCE = "deployment.announce";
    public static final String SYNC = "deployment.sync";
    public static final String CHANGES = "deployment.changes";
    public static final String FETCH = "deployment.fetch";
    public static final String CHUNK = "deployment.chunk";
    public static final String REPORT = "deployment.report";
    public static final String ADOPT = "deployment.adopt";
    public static final int VERSION = 5;

    /** The version of {@link #stamp}'s formula, its prefix: a stamp of another formula is not compared. */
    private static final String STAMP_FORMULA = "1:";

    /** Largest chunk a fetch may ask for. */
    public static final int MAX_CHUNK = 4 * 1024 * 1024;

    /** Largest artifact whose content a {@link Changes} may carry. */
    public static final int MAX_INLINE = 64 * 1024;

    /** Most content, in bytes, one {@link Changes} carries: the rest is fetched as usual. */
    public static final int INLINE_BUDGET = 1024 * 1024;

    /** Most peers a {@link Changes} names for one artifact. */
    public static final int MAX_PEERS = 8;

    /**
     * @param authority whether the sender considers itself the authority of the fleet
     * @param generation how many times the repository was set up anew under its id: 1 when new, one
     *     more after each recovery from a survivor; 0 from a sender of version 2 that did not say
     * @param heldAt during a staged rollout, the revision every node not in {@code admitted} is held
     *     at; {@link #NOT_HELD} otherwise
     * @param admitted the nodes the staged rollout admitted so far
     */
    public record Announce(String repositoryId, long revision, long term, boolean authority, long generation,
            long heldAt, List<String> admitted) {

        public static final long NOT_HELD = -1;

        public Announce {
            admitted = List.copyOf(admitted);
        }

        public Announce(String repositoryId, long revision, long term, boolean authority, long generation) {
            this(repositoryId, revision, term, authority, generation, NOT_HELD, List.of());
        }

        /** The newest revision {@code node} may apply of what this announcement offers. */
        public long revisionFor(String node) {
            return heldAt == NOT_HELD || admitted.contains(node) ? revision : Math.min(revision, heldAt);
        }
    }

    /**
     * @param stamp the {@linkplain #stamp stamp} of the change at {@code revision}, as the node was
     *     given it (appended in version 5); empty when it does not know it, and then not compared
     */
    public record Sync(String repositoryId, long revision, String stamp) {

        public Sync(String repositoryId, long revision) {
            this(repositoryId, revision, "");
        }
    }

    /**
     * @param full true when {@code artifacts} is the whole live state and anything else must go
     * @param generation as in {@link Announce}
     * @param inline the content of some small artifacts, by sha-256 (appended in version 3; checked
     *     against its digest like any content, and empty from an older sender)
     * @param peers for some large artifacts, by sha-256, the members to fetch the content from before
     *     the managers, in order (appended in version 4; empty from an older sender)
     * @param stamp the {@linkplain #stamp stamp} of the change at {@code revision} (appended in
     *     version 5; empty from an older sender, or when the repository no longer holds that change)
     */
    public record Changes(String repositoryId, long revision, boolean full, List<Artifact> artifacts, long term,
            long generation, Map<String, byte[]> inline, Map<String, List<String>> peers, String stamp) {

        public Changes {
            inline = Map.copyOf(inline);
            peers = Map.copyOf(peers);
        }

        /** As version 4 knew them: no stamp. */
        public Changes(String repositoryId, long revision, boolean full, List<Artifact> artifacts, long term,
                long generation, Map<String, byte[]> inline, Map<String, List<String>> peers) {
            this(repositoryId, revision, full, artifacts, term, generation, inline, peers, "");
        }

        public Changes(String repositoryId, long revision, boolean full, List<Artifact> artifacts, long term,
                long generation) {
            this(repositoryId, revision, full, artifacts, term, generation, Map.of(), Map.of());
        }

        /** As version 3 knew them: no peers named. */
        public Changes(String repositoryId, long revision, boolean full, List<Artifact> artifacts, long term,
                long generation, Map<String, byte[]> inline) {
            this(repositoryId, revision, full, artifacts, term, generation, inline, Map.of());
        }

        /** The same changes carrying this content. */
        public Changes withInline(Map<String, byte[]> content) {
            return new Changes(repositoryId, revision, full, artifacts, term, generation, content, peers, stamp);
        }

        /** The same changes naming these peers. */
        public Changes withPeers(Map<String, List<String>> sources) {
            return new Changes(repositoryId, revision, full, artifacts, term, generation, inline, sources, stamp);
        }

        /** The same changes with the stamp of their revision. */
        public Changes withStamp(String revisionStamp) {
            return new Changes(repositoryId, revision, full, artifacts, term, generation, inline, peers, revisionStamp);
        }
    }

    public record Fetch(String sha256, long offset, int length) {
    }

    /**
     * @param source the manager the node syncs from, or empty
     * @param ignored one line per offer of another repository the node ignored
     * @param running what the node found it actually runs (appended in version 2 of the message;
     *                {@link RunningDigest#NONE} from a node that does not say)
     * @param lostChanges why the managers of the node's repository lost changes it runs (they are
     *     behind it, of an older term, or recorded other changes under its revisions) and the
     *     command that makes it take their state, as its /health says; empty when they did not
     *     (appended in version 5)
     */
    public record Report(String repositoryId, long revision, List<ArtifactState> artifacts, String source,
            List<String> ignored, RunningDigest running, String lostChanges) {

        public Report(String repositoryId, long revision, List<ArtifactState> artifacts, String source,
                List<String> ignored, RunningDigest running) {
            this(repositoryId, revision, artifacts, source, ignored, running, "");
        }

        public Report(String repositoryId, long revision, List<ArtifactState> artifacts, String source,
                List<String> ignored) {
            this(repositoryId, revision, artifacts, source, ignored, RunningDigest.NONE);
        }
    }

    public record Adopt(String repositoryId) {
    }

    private ReplicationProtocol() {
    }

    /**
     * What tells one change from any other recorded under the same revision number: a digest of
     * the artifact's record and of when the change was made (by the proposing manager's clock), as
     * the managers committed it and as {@code revisions.log} keeps it, so a history carried over
     * from that file stamps alike (who made it is left out: the file rewrites some characters of
     * a name). Two histories that share a revision's stamp made the same change there; managers
     * lose changes only when one comes back from an older copy of its data, and the changes they
     * record after that carry other times.
     */
    public static String stamp(Change change) {
        Artifact artifact = change.artifact();
        String fields = String.join("\n", artifact.name(), artifact.type().name(), Long.toString(artifact.revision()),
                artifact.sha256(), Long.toString(artifact.size()), Boolean.toString(artifact.deleted()),
                Long.toString(change.at()), Long.toString(change.rollbackTo()));
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(fields.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return STAMP_FORMULA + java.util.HexFormat.of().formatHex(digest, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Whether a node's stamp of a revision and a manager's stamp of the same revision name two
     * different changes; false when either is unknown or of a formula the other does not share.
     */
    public static boolean stampsDiffer(String nodeStamp, String managerStamp) {
        return nodeStamp.startsWith(STAMP_FORMULA) && managerStamp.startsWith(STAMP_FORMULA)
                && !nodeStamp.equals(managerStamp);
    }

    // ---- encoding: version 1 fields first, later fields appended

    public static ClusterMessage encode(Announce announce) {
        return message(ANNOUNCE, out -> {
            out.writeUTF(announce.repositoryId());
            out.writeLong(announce.revision());
            out.writeLong(announce.term());
            out.writeBoolean(announce.authority());
            out.writeLong(announce.generation());
            out.writeLong(announce.heldAt());
            out.writeInt(announce.admitted().size());
            for (String node : announce.admitted()) {
                out.writeUTF(node);
            }
        });
    }

    public static ClusterMessage encode(Sync sync) {
        return message(SYNC, out -> {
            out.writeUTF(sync.repositoryId());
            out.writeLong(sync.revision());
            out.writeUTF(sync.stamp());
        });
    }

    public static ClusterMessage encode(Changes changes) {
        return message(CHANGES, out -> {
            out.writeUTF(changes.repositoryId());
            out.writeLong(changes.revision());
            out.writeBoolean(changes.full());
            out.writeInt(changes.artifacts().size());
            for (Artifact artifact : changes.artifacts()) {
                writeArtifact(out, artifact);
            }
            out.writeLong(changes.term());
            out.writeLong(changes.generation());
            out.writeInt(changes.inline().size());
            for (Map.Entry<String, byte[]> content : changes.inline().entrySet()) {
                out.writeUTF(content.getKey());
                out.writeInt(content.getValue().length);
                out.write(content.getValue());
            }
            out.writeInt(changes.peers().size());
            for (Map.Entry<String, List<String>> sources : changes.peers().entrySet()) {
                out.writeUTF(sources.getKey());
                out.writeInt(sources.getValue().size());
                for (String peer : sources.getValue()) {
                    out.writeUTF(peer);
                }
            }
            out.writeUTF(changes.stamp());
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
            out.writeUTF(report.repositoryId());
            out.writeUTF(report.source());
            out.writeInt(report.ignored().size());
            for (String line : report.ignored()) {
                out.writeUTF(truncate(line));
            }
            out.writeUTF(report.running().digest());
            out.writeInt(report.running().diverged().size());
            for (String line : report.running().diverged()) {
                out.writeUTF(truncate(line));
            }
            out.writeUTF(truncate(report.lostChanges()));
        });
    }

    public static ClusterMessage encode(Adopt adopt) {
        return message(ADOPT, out -> out.writeUTF(adopt.repositoryId()));
    }

    // ---- decoding: each checks the type, reads what it knows and skips what it does not

    public static Announce announce(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, ANNOUNCE);
        String id = in.readUTF();
        long revision = in.readLong();
        long term = in.available() >= Long.BYTES ? in.readLong() : 0;
        // a version 1 sender announced only when it was the authority
        boolean authority = in.available() > 0 ? in.readBoolean() : true;
        long generation = in.available() >= Long.BYTES ? in.readLong() : 0;
        long heldAt = Announce.NOT_HELD;
        List<String> admitted = new ArrayList<>();
        if (in.available() >= Long.BYTES + Integer.BYTES) {
            heldAt = in.readLong();
            int count = in.readInt();
            if (count < 0 || count > 100_000) {
                throw new IOException("an announcement admitting " + count + " nodes");
            }
            for (int i = 0; i < count; i++) {
                admitted.add(in.readUTF());
            }
        }
        return new Announce(id, revision, term, authority, generation, heldAt, admitted);
    }

    public static Sync sync(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, SYNC);
        String id = in.readUTF();
        long revision = in.readLong();
        return new Sync(id, revision, in.available() > 0 ? in.readUTF() : "");
    }

    public static Changes changes(ClusterMessage message) throws IOException {
        DataInputStream in = open(message, CHANGES);
        String id = in.readUTF();
        long revision = in.readLong();
        boolean full = in.readBoolean();
        int count = count(in);
        List<Artifact> artifacts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            artifacts.add(readArtifact(in));
        }
        long term = in.available() >= Long.BYTES ? in.readLong() : 0;
        long generation = in.available() >= Long.BYTES ? in.readLong() : 0;
        Map<String, byte[]> inline = new HashMap<>();
        int contents = in.available() >= Integer.BYTES ? count(in) : 0;
        for (int i = 0; i < contents; i++) {
            String sha256 = in.readUTF();
            int length = in.readInt();
            if (length < 0 || length > MAX_INLINE || length > in.available()) {
                throw new IOException("content of " + length + " bytes for sha256 " + sha256 + " is out of bounds");
            }
            inline.put(sha256, in.readNBytes(length));
        }
        Map<String, List<String>> peers = new HashMap<>();
        int sourced = in.available() >= Integer.BYTES ? count(in) : 0;
        for (int i = 0; i < sourced; i++) {
            String sha256 = in.readUTF();
            int named = count(in);
            List<String> members = new ArrayList<>(Math.min(named, MAX_PEERS));
            for (int j = 0; j < named; j++) {
                String member = in.readUTF();
                if (members.size() < MAX_PEERS) { // more are not needed: the managers come after them anyway
                    members.add(member);
                }
            }
            peers.put(sha256, List.copyOf(members));
        }
        String stamp = in.available() > 0 ? in.readUTF() : "";
        return new Changes(id, revision, full, artifacts, term, generation, inline, peers, stamp);
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
        if (!message.type().equals(CHUNK)) {
            throw new IOException("expected a " + CHUNK + " message, got " + message.type());
        }
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
        String id = in.available() > 0 ? in.readUTF() : "";
        String source = in.available() > 0 ? in.readUTF() : "";
        List<String> ignored = new ArrayList<>();
        if (in.available() > 0) {
            int lines = count(in);
            for (int i = 0; i < lines; i++) {
                ignored.add(in.readUTF());
            }
        }
        RunningDigest running = RunningDigest.NONE;
        if (in.available() > 0) {
            String digest = in.readUTF();
            int lines = count(in);
            List<String> diverged = new ArrayList<>(lines);
            for (int i = 0; i < lines; i++) {
                diverged.add(in.readUTF());
            }
            running = new RunningDigest(digest, List.copyOf(diverged));
        }
        String lostChanges = in.available() > 0 ? in.readUTF() : "";
        return new Report(id, revision, states, source, ignored, running, lostChanges);
    }

    public static Adopt adopt(ClusterMessage message) throws IOException {
        return new Adopt(open(message, ADOPT).readUTF());
    }

    // ---- plumbing

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    /** One artifact record, as the changes carry it and the managers' log stores it. */
    public static void writeArtifact(DataOutput out, Artifact artifact) throws IOException {
        out.writeUTF(artifact.name());
        out.writeByte(artifact.type().ordinal());
        out.writeLong(artifact.revision());
        out.writeUTF(artifact.sha256());
        out.writeLong(artifact.size());
        out.writeBoolean(artifact.deleted());
    }

    public static Artifact readArtifact(DataInput in) throws IOException {
        String name = in.readUTF();
        int type = in.readUnsignedByte();
        if (type >= ArtifactType.values().length) {
            throw new IOException("artifact type " + type + " of " + name + " is not known to this version");
        }
        return new Artifact(name, ArtifactType.values()[type], in.readLong(), in.readUTF(), in.readLong(),
                in.readBoolean());
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

    /** Any version from 1 up is read: fields are only ever appended. */
    private static DataInputStream open(ClusterMessage message, String type) throws IOException {
        if (!message.type().equals(type)) {
            throw new IOException("expected a " + type + " message, got " + message.type());
        }
        if (message.version() < 1) {
            throw new IOException(type + " version " + message.version() + " is not a version any node sends");
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
