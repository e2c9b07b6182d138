package io.carbide.repository.internal;

import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Rollout;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The steps of a staged rollout as revision commands (kind ROLLOUT), and the rollout as it is
 * written into a snapshot. Version 1:
 *
 * <pre>
 * step: byte step, then
 *   START    UTF name, byte type, UTF sha256, long size, UTF by, long at, waves, int settleSeconds,
 *            double maxErrorRate                the change and its rollout, recorded together
 *   ADVANCE  long toRevision, int admitted, long at          admit the next wave (or complete)
 *   PAUSE    long toRevision, UTF by, long at
 *   RESUME   long toRevision, UTF by, long at
 *   HALT     long toRevision, UTF reason, UTF by, long at, boolean aborted
 *                                                 end it and roll back to its fromRevision at once
 * waves: int count, then per wave int size and the node names (UTF)
 * </pre>
 * Every step after START names the rollout by its change's revision, so a step proposed for a
 * rollout that has ended meanwhile is ignored, never applied to the next one.
 */
final class RolloutCommands {

    enum Kind {
        START, ADVANCE, PAUSE, RESUME, HALT
    }

    /** A decoded step; the fields a kind does not use are empty. */
    record Step(Kind kind, String name, ArtifactType type, String sha256, long size, String by, long at,
            List<List<String>> waves, int settleSeconds, double maxErrorRate, long toRevision, int admitted,
            String reason, boolean aborted) {
    }

    private static final int MAX_NAMES = 100_000;

    private RolloutCommands() {
    }

    static byte[] start(String name, ArtifactType type, String sha256, long size, String by, long at,
            List<List<String>> waves, int settleSeconds, double maxErrorRate) {
        return RevisionCommands.encode(RevisionCommands.Kind.ROLLOUT, out -> {
            out.writeByte(Kind.START.ordinal());
            out.writeUTF(name);
            out.writeByte(type.ordinal());
            out.writeUTF(sha256);
            out.writeLong(size);
            out.writeUTF(by);
            out.writeLong(at);
            writeWaves(out, waves);
            out.writeInt(settleSeconds);
            out.writeDouble(maxErrorRate);
        });
    }

    static byte[] advance(long toRevision, int admitted, long at) {
        return RevisionCommands.encode(RevisionCommands.Kind.ROLLOUT, out -> {
            out.writeByte(Kind.ADVANCE.ordinal());
            out.writeLong(toRevision);
            out.writeInt(admitted);
            out.writeLong(at);
        });
    }

    static byte[] pause(long toRevision, String by, long at, boolean resume) {
        return RevisionCommands.encode(RevisionCommands.Kind.ROLLOUT, out -> {
            out.writeByte((resume ? Kind.RESUME : Kind.PAUSE).ordinal());
            out.writeLong(toRevision);
            out.writeUTF(by);
            out.writeLong(at);
        });
    }

    static byte[] halt(long toRevision, String reason, String by, long at, boolean aborted) {
        return RevisionCommands.encode(RevisionCommands.Kind.ROLLOUT, out -> {
            out.writeByte(Kind.HALT.ordinal());
            out.writeLong(toRevision);
            out.writeUTF(shortened(reason));
            out.writeUTF(by);
            out.writeLong(at);
            out.writeBoolean(aborted);
        });
    }

    static Step read(DataInput in) throws IOException {
        int kind = in.readUnsignedByte();
        if (kind >= Kind.values().length) {
            throw new IOException("rollout step " + kind + " is not known to this version");
        }
        return switch (Kind.values()[kind]) {
            case START -> {
                String name = in.readUTF();
                ArtifactType type = RevisionCommands.type(in.readUnsignedByte());
                String sha256 = in.readUTF();
                long size = in.readLong();
                String by = in.readUTF();
                long at = in.readLong();
                List<List<String>> waves = readWaves(in);
                yield new Step(Kind.START, name, type, sha256, size, by, at, waves, in.readInt(), in.readDouble(), 0, 1,
                        "", false);
            }
            case ADVANCE -> {
                long to = in.readLong();
                int admitted = in.readInt();
                yield new Step(Kind.ADVANCE, "", null, "", 0, "", in.readLong(), List.of(), 0, 0, to, admitted, "", false);
            }
            case PAUSE, RESUME -> {
                long to = in.readLong();
                yield new Step(Kind.values()[kind], "", null, "", 0, in.readUTF(), in.readLong(), List.of(), 0, 0, to, 0,
                        "", false);
            }
            case HALT -> {
                long to = in.readLong();
                String reason = in.readUTF();
                String by = in.readUTF();
                long at = in.readLong();
                yield new Step(Kind.HALT, "", null, "", 0, by, at, List.of(), 0, 0, to, 0, reason, in.readBoolean());
            }
        };
    }

    // ---- the rollout in a snapshot

    static void writeRollout(DataOutput out, Rollout rollout) throws IOException {
        out.writeBoolean(rollout != null);
        if (rollout == null) {
            return;
        }
        out.writeUTF(rollout.artifact());
        out.writeLong(rollout.fromRevision());
        out.writeLong(rollout.toRevision());
        writeWaves(out, rollout.waves());
        out.writeInt(rollout.admitted());
        out.writeByte(rollout.state().ordinal());
        out.writeInt(rollout.settleSeconds());
        out.writeDouble(rollout.maxErrorRate());
        out.writeUTF(shortened(rollout.reason()));
        out.writeUTF(rollout.by());
        out.writeLong(rollout.startedAt());
        out.writeLong(rollout.updatedAt());
    }

    static Rollout readRollout(DataInput in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        String artifact = in.readUTF();
        long from = in.readLong();
        long to = in.readLong();
        List<List<String>> waves = readWaves(in);
        int admitted = in.readInt();
        int state = in.readUnsignedByte();
        if (state >= Rollout.State.values().length) {
            throw new IOException("rollout state " + state + " is not known to this version");
        }
        return new Rollout(artifact, from, to, waves, admitted, Rollout.State.values()[state], in.readInt(),
                in.readDouble(), in.readUTF(), in.readUTF(), in.readLong(), in.readLong());
    }

    private static void writeWaves(DataOutput out, List<List<String>> waves) throws IOException {
        out.writeInt(waves.size());
        for (List<String> wave : waves) {
            out.writeInt(wave.size());
            for (String node : wave) {
                out.writeUTF(node);
            }
        }
    }

    private static List<List<String>> readWaves(DataInput in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > MAX_NAMES) {
            throw new IOException("a rollout of " + count + " waves");
        }
        List<List<String>> waves = new ArrayList<>();
        int names = 0;
        for (int i = 0; i < count; i++) {
            int size = in.readInt();
            names += size;
            if (size < 0 || names > MAX_NAMES) {
                throw new IOException("a rollout wave of " + size + " nodes");
            }
            List<String> wave = new ArrayList<>(size);
            for (int j = 0; j < size; j++) {
                wave.add(in.readUTF());
            }
            waves.add(wave);
        }
        return waves;
    }

    /** Reasons are one line for people; a modified UTF string also has a 64 KB bound. */
    private static String shortened(String reason) {
        String line = reason == null ? "" : reason.replaceAll("\\s+", " ").strip();
        return line.length() > 1_000 ? line.substring(0, 1_000) + "..." : line;
    }
}
