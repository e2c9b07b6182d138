package io.carbide.cluster.internal;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HexFormat;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.Header;
import org.jgroups.PhysicalAddress;
import org.jgroups.util.Util;

/**
 * What travels in clear beside a sealed message ({@link ClusterSeal}): the wire format, the kind,
 * the sender's salt and the message's counter, which together name the key and the nonce. Nothing
 * in it says anything about the key itself. A {@link #REFUSAL} names, with the same two fields,
 * the message it answers, so only the node that sent that message takes it into account. A
 * discovery request also names where its sender listens ({@link #replyTo}): a node that cannot
 * open it has no other way to send the refusal. That hint is not sealed; a refusal is all it is
 * used for.
 */
public class SealHeader extends Header {

    /** Registered with JGroups in {@link ClusterSeal}; above JGroups' own and jgroups-raft's numbers. */
    static final short MAGIC_ID = 1701;
    static final byte SEALED = 1;
    static final byte REFUSAL = 2;
    static final int SALT_BYTES = 16;

    private byte format;
    private byte kind;
    private byte[] salt = new byte[SALT_BYTES];
    private long counter;
    private PhysicalAddress replyTo;

    public SealHeader() {
        // JGroups creates headers by reflection to read them
    }

    SealHeader(byte format, byte kind, byte[] salt, long counter) {
        this.format = format;
        this.kind = kind;
        this.salt = salt;
        this.counter = counter;
    }

    byte format() {
        return format;
    }

    byte kind() {
        return kind;
    }

    byte[] salt() {
        return salt;
    }

    long counter() {
        return counter;
    }

    PhysicalAddress replyTo() {
        return replyTo;
    }

    void replyTo(PhysicalAddress address) {
        this.replyTo = address;
    }

    /** The bytes the seal authenticates besides the message: a header moved to another message fails. */
    byte[] associatedData() {
        byte[] data = new byte[2 + SALT_BYTES + Long.BYTES];
        data[0] = format;
        data[1] = kind;
        System.arraycopy(salt, 0, data, 2, SALT_BYTES);
        for (int i = 0; i < Long.BYTES; i++) {
            data[2 + SALT_BYTES + i] = (byte) (counter >>> (56 - 8 * i));
        }
        return data;
    }

    @Override
    public short getMagicId() {
        return MAGIC_ID;
    }

    @Override
    public Supplier<? extends Header> create() {
        return SealHeader::new;
    }

    @Override
    public int serializedSize() {
        return 2 + SALT_BYTES + Long.BYTES + Util.size(replyTo);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(format);
        out.writeByte(kind);
        out.write(salt);
        out.writeLong(counter);
        Util.writeAddress(replyTo, out);
    }

    @Override
    public void readFrom(DataInput in) throws IOException, ClassNotFoundException {
        format = in.readByte();
        kind = in.readByte();
        in.readFully(salt);
        counter = in.readLong();
        Address address = Util.readAddress(in);
        replyTo = address instanceof PhysicalAddress physical ? physical : null;
    }

    @Override
    public String toString() {
        return (kind == SEALED ? "sealed" : kind == REFUSAL ? "refusal" : "kind " + kind) + " format " + format + " "
                + HexFormat.of().formatHex(salt, 0, 4) + "#" + counter;
    }
}
