package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands of the revision log as they travel through the managers' consensus, and the
 * answers the state machine gives. Version 1:
 *
 * <pre>
 * command: byte version, byte kind, then
 *   INIT     UTF repositoryId, long createdAt                 a new repository
 *   RESTORE  UTF repositoryId, long createdAt, changes, long generation
 *                                                            a repository carried over (upgrade, recovery)
 *   PUT      UTF name, byte type, UTF sha256, long size, UTF by, long at
 *   DELETE   UTF name, UTF by, long at
 *   ROLLBACK long target, UTF by, long at                    the content of revision target, back
 *   COMPACT  long retainFrom                                 history and content before it may go
 *   ROLLOUT  a step of a staged rollout ({@link RolloutCommands})
 *   RECORD   UTF key, long expected, int length, bytes     a manager-only record, written if still at expected
 * RESTORE may end with long retainedFrom (read as 1 when absent) and the rollback marks of its
 * changes ({@link #writeRollbacks}).
 * answer:  byte version, byte outcome (RECORDED, UNCHANGED, ABSENT, IGNORED, GONE), then an artifact if any
 * change:  UTF name, byte type, long revision, UTF sha256, long size, boolean deleted, UTF by, long at
 * </pre>
 *
 * ROLLBACK, COMPACT, ROLLOUT and RECORD came after the first release: a manager that cannot read them stops with
 * a line saying to upgrade it (see {@link RevisionStateMachine}), so upgrade every manager before
 * using rollback or a retention policy.
 */
final class RevisionCommands {

    static final int VERSION = 1;

    enum Kind {
        INIT, RESTORE, PUT, DELETE, ROLLBACK, COMPACT, ROLLOUT, RECORD
    }

    /** The largest manager-only record: they are small (a users table), and every manager holds each in memory. */
    static final int MAX_RECORD_BYTES = 1 << 20;

    /** RECORDED: changed; UNCHANGED, ABSENT: nothing to do; IGNORED: not applicable now; GONE: no longer retained. */
    enum Outcome {
        RECORDED, UNCHANGED, ABSENT, IGNORED, GONE
    }

    /**
     * A decoded command; the fields a kind does not use are empty. {@code revision} is a ROLLBACK's
     * target, a COMPACT's point, the revision a RESTORE keeps from and the version a RECORD
     * expects; {@code rollout} is a ROLLOUT's step (null for the other kinds); {@code name} and
     * {@code value} are a RECORD's key and bytes.
     */
    record Command(Kind kind, String repositoryId, long createdAt, List<Change> history, long generation, String name,
            ArtifactType type, String sha256, long size, String by, long at, long revision,
            RolloutCommands.Step rollout, byte[] value) {

        Command(Kind kind, String repositoryId, long createdAt, List<Change> history, long generation, String name,
                ArtifactType type, String sha256, long size, String by, long at, long revision) {
            this(kind, repositoryId, createdAt, history, generation, name, type, sha256, size, by, at, revision, null,
                    null);
        }
    }

    record Answer(Outcome outcome, Artifact artifact) {
    }

    private RevisionCommands() {
    }

    static byte[] init(String repositoryId, long createdAt) {
        return encode(Kind.INIT, out -> {
            out.writeUTF(repositoryId);
            out.writeLong(createdAt);
        });
    }

    static byte[] restore(String repositoryId, long createdAt, List<Change> history, long generation,
            long retainedFrom) {
        return encode(Kind.RESTORE, out -> {
            out.writeUTF(repositoryId);
            out.writeLong(createdAt);
            writeChanges(out, history);
            out.writeLong(generation);
            out.writeLong(retainedFrom);
            writeRollbacks(out, history);
        });
    }

    static byte[] rollback(long target, String by, long at) {
        return encode(Kind.ROLLBACK, out -> {
            out.writeLong(target);
            out.writeUTF(by);
            out.writeLong(at);
        });
    }

    static byte[] compact(long retainFrom) {
        return encode(Kind.COMPACT, out -> out.writeLong(retainFrom));
    }

    static byte[] put(String name, ArtifactType type, String sha256, long size, String by, long at) {
        return encode(Kind.PUT, out -> {
            out.writeUTF(name);
            out.writeByte(type.ordinal());
            out.writeUTF(sha256);
            out.writeLong(size);
            out.writeUTF(by);
            out.writeLong(at);
        });
    }

    static byte[] record(String key, long expected, byte[] value) {
        if (value.length > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("a manager record holds at most " + MAX_RECORD_BYTES + " bytes, not "
                    + value.length);
        }
        return encode(Kind.RECORD, out -> {
            out.writeUTF(key);
            out.writeLong(expected);
            writeBytes(out, value);
        });
    }

    static void writeBytes(DataOutput out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    static byte[] readBytes(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_RECORD_BYTES) {
            throw new IOException("a manager record of " + length + " bytes");
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }

    static byte[] delete(String name, String by, long at) {
        return encode(Kind.DELETE, out -> {
            out.writeUTF(name);
            out.writeUTF(by);
            out.writeLong(at);
        });
    }

    /** @throws IOException for bytes that are not a command this version knows */
    static Command decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int version = in.readUnsignedByte();
        if (version < 1) {
            throw new IOException("revision command version " + version);
        }
        int kind = in.readUnsignedByte();
        if (kind >= Kind.values().length) {
            throw new IOException("revision command kind " + kind + " is not known to this version");
        }
        return switch (Kind.values()[kind]) {
            case INIT -> new Command(Kind.INIT, in.readUTF(), in.readLong(), List.of(), 1, "", null, "", 0, "", 0, 0);
            case RESTORE -> {
                String id = in.readUTF();
                long createdAt = in.readLong();
                List<Change> history = readChanges(in);
                long generation = in.available() >= Long.BYTES ? in.readLong() : 1;
                long retainedFrom = in.available() >= Long.BYTES ? in.readLong() : 1;
                if (in.available() >= Integer.BYTES) {
                    history = readRollbacks(in, history);
                }
                yield new Command(Kind.RESTORE, id, createdAt, history, generation, "", null, "", 0, "", 0,
                        retainedFrom);
            }
            case PUT -> {
                String name = in.readUTF();
                ArtifactType type = type(in.readUnsignedByte());
                yield new Command(Kind.PUT, "", 0, List.of(), 0, name, type, in.readUTF(), in.readLong(), in.readUTF(),
                        in.readLong(), 0);
            }
            case DELETE -> new Command(Kind.DELETE, "", 0, List.of(), 0, in.readUTF(), null, "", 0, in.readUTF(),
                    in.readLong(), 0);
            case ROLLBACK -> {
                long target = in.readLong();
                yield new Command(Kind.ROLLBACK, "", 0, List.of(), 0, "", null, "", 0, in.readUTF(), in.readLong(),
                        target);
            }
            case COMPACT -> new Command(Kind.COMPACT, "", 0, List.of(), 0, "", null, "", 0, "", 0, in.readLong());
            case ROLLOUT -> {
                RolloutCommands.Step step = RolloutCommands.read(in);
                yield new Command(Kind.ROLLOUT, "", 0, List.of(), 0, step.name(), step.type(), step.sha256(), step.size(),
                        step.by(), step.at(), step.toRevision(), step, null);
            }
            case RECORD -> {
                String key = in.readUTF();
                long expected = in.readLong();
                yield new Command(Kind.RECORD, "", 0, List.of(), 0, key, null, "", 0, "", 0, expected, null,
                        readBytes(in));
            }
        };
    }

    static byte[] answer(Outcome outcome, Artifact artifact) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte(outcome.ordinal());
            out.writeBoolean(artifact != null);
            if (artifact != null) {
                writeChange(out, new Change(artifact, "", 0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Answer answer(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        in.readUnsignedByte();
        int outcome = in.readUnsignedByte();
        if (outcome >= Outcome.values().length) {
            throw new IOException("revision answer " + outcome + " is not known to this version");
        }
        return new Answer(Outcome.values()[outcome], in.readBoolean() ? readChange(in).artifact() : null);
    }

    static void writeChanges(DataOutput out, List<Change> changes) throws IOException {
        out.writeInt(changes.size());
        for (Change change : changes) {
            writeChange(out, change);
        }
    }

    /**
     * Which changes of a list are parts of rollbacks, written after the list (and after what an
     * earlier version wrote after it), so an earlier version's reader still reads the list.
     */
    static void writeRollbacks(DataOutput out, List<Change> changes) throws IOException {
        List<int[]> marked = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            if (changes.get(i).rollbackTo() > 0) {
                marked.add(new int[] {i});
            }
        }
        out.writeInt(marked.size());
        for (int[] index : marked) {
            out.writeInt(index[0]);
            out.writeLong(changes.get(index[0]).rollbackTo());
        }
    }

    /** The list with the rollbacks {@link #writeRollbacks} wrote marked again. */
    static List<Change> readRollbacks(DataInput in, List<Change> changes) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > changes.size()) {
            throw new IOException("a list of " + count + " rollbacks for " + changes.size() + " changes");
        }
        List<Change> marked = new ArrayList<>(changes);
        for (int i = 0; i < count; i++) {
            int index = in.readInt();
            long target = in.readLong();
            if (index < 0 || index >= marked.size()) {
                throw new IOException("rollback mark " + index + " outside a list of " + marked.size() + " changes");
            }
            Change change = marked.get(index);
            marked.set(index, new Change(change.artifact(), change.by(), change.at(), target));
        }
        return marked;
    }

    static List<Change> readChanges(DataInput in) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("a list of " + count + " changes");
        }
        List<Change> changes = new ArrayList<>(Math.min(count, 1 << 16));
        for (int i = 0; i < count; i++) {
            changes.add(readChange(in));
        }
        return changes;
    }

    private static void writeChange(DataOutput out, Change change) throws IOException {
        ReplicationProtocol.writeArtifact(out, change.artifact());
        out.writeUTF(change.by());
        out.writeLong(change.at());
    }

    private static Change readChange(DataInput in) throws IOException {
        return new Change(ReplicationProtocol.readArtifact(in), in.readUTF(), in.readLong());
    }

    static ArtifactType type(int ordinal) throws IOException {
        if (ordinal >= ArtifactType.values().length) {
            throw new IOException("artifact type " + ordinal + " is not known to this version");
        }
        return ArtifactType.values()[ordinal];
    }

    interface Fields {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] encode(Kind kind, Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte(kind.ordinal());
            fields.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
