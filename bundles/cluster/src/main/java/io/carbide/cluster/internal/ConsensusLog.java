package io.carbide.cluster.internal;

import io.carbide.cluster.ReplicatedStateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.jgroups.raft.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The managers' Raft log as jgroups-raft applies it: each entry is either an application command,
 * handed to the {@link ReplicatedStateMachine} the repository registered, or one of the
 * consensus' own: the incarnation of each manager, i.e. the random id it drew when it created
 * its log. A manager that lost its log draws a new one, and the others, which hold its old one,
 * refuse to let it vote under its old name (see {@link ManagerIdentity}).
 *
 * <pre>
 * entry:    byte kind (1 application, 2 incarnation) ...
 *   1:      the application command's bytes
 *   2:      UTF manager, UTF incarnation
 * snapshot: byte format (1), int count, (UTF manager, UTF incarnation)*, then the application's
 * </pre>
 */
final class ConsensusLog implements StateMachine {

    static final byte APPLICATION = 1;
    static final byte INCARNATION = 2;
    private static final int SNAPSHOT_FORMAT = 1;
    private static final Logger LOG = LoggerFactory.getLogger(ConsensusLog.class);

    private final ReplicatedStateMachine application;
    private final Map<String, String> incarnations = new TreeMap<>();

    ConsensusLog(ReplicatedStateMachine application) {
        this.application = application;
    }

    static byte[] application(byte[] command) {
        byte[] entry = new byte[command.length + 1];
        entry[0] = APPLICATION;
        System.arraycopy(command, 0, entry, 1, command.length);
        return entry;
    }

    static byte[] incarnation(String manager, String incarnation) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(INCARNATION);
            out.writeUTF(manager);
            out.writeUTF(incarnation);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The incarnation recorded for a manager, or empty when it never registered one. */
    synchronized String incarnationOf(String manager) {
        return incarnations.getOrDefault(manager, "");
    }

    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) throws Exception {
        if (length == 0) {
            return null;
        }
        switch (data[offset]) {
            case APPLICATION -> {
                byte[] command = java.util.Arrays.copyOfRange(data, offset + 1, offset + length);
                try {
                    return application.apply(command);
                } catch (Exception e) {
                    // an exception travels back to a forwarding follower by Java serialization: keep it a JDK one
                    throw new IllegalStateException(e.getMessage());
                }
            }
            case INCARNATION -> {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, offset + 1, length - 1));
                String manager = in.readUTF();
                String incarnation = in.readUTF();
                synchronized (this) {
                    incarnations.put(manager, incarnation);
                }
                return incarnation.getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                // a later version's entry: this manager cannot give it a meaning, and says so once per entry
                LOG.warn("Skipped a managers' log entry of kind {} that this version does not know; upgrade this "
                        + "manager to the version of the others", data[offset]);
                return null;
            }
        }
    }

    @Override
    public void readContentFrom(DataInput in) throws Exception {
        int format = in.readUnsignedByte();
        if (format != SNAPSHOT_FORMAT) {
            throw new IOException("managers' snapshot format " + format + " is not known to this version; upgrade it");
        }
        int count = in.readInt();
        Map<String, String> read = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            read.put(in.readUTF(), in.readUTF());
        }
        synchronized (this) {
            incarnations.clear();
            incarnations.putAll(read);
        }
        application.readSnapshot(in);
    }

    @Override
    public void writeContentTo(DataOutput out) throws Exception {
        out.writeByte(SNAPSHOT_FORMAT);
        synchronized (this) {
            out.writeInt(incarnations.size());
            for (Map.Entry<String, String> entry : incarnations.entrySet()) {
                out.writeUTF(entry.getKey());
                out.writeUTF(entry.getValue());
            }
        }
        application.writeSnapshot(out);
    }
}
