package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The wire form of a {@link ClusterMessage}: a small versioned header and the payload bytes.
 *
 * <pre>
 * byte  0xCB  magic        byte  envelope version (1)   byte kind
 * long  correlation id     UTF   type                   u16  payload version
 * int   payload length     ...   payload
 * </pre>
 *
 * Decoding checks every length against what arrived, so garbage is rejected, never trusted.
 */
record Envelope(Kind kind, long correlation, ClusterMessage message) {

    static final int MAGIC = 0xCB;
    static final int VERSION = 1;

    enum Kind {
        ONE_WAY, REQUEST, REPLY, FAILURE;
    }

    byte[] encode() {
        // room for the header and the type at its longest, so a large payload is never copied to grow
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(24 + 3 * message.type().length()
                + message.payload().length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(MAGIC);
            out.writeByte(VERSION);
            out.writeByte(kind.ordinal());
            out.writeLong(correlation);
            out.writeUTF(message.type());
            out.writeShort(message.version());
            out.writeInt(message.payload().length);
            out.write(message.payload());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen in memory
        }
        return bytes.toByteArray();
    }

    /** @throws MalformedEnvelopeException saying what is wrong with the bytes */
    static Envelope decode(byte[] bytes, int offset, int length) throws MalformedEnvelopeException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset, length))) {
            int magic = in.readUnsignedByte();
            if (magic != MAGIC) {
                throw new MalformedEnvelopeException("not a Carbide message (first byte " + magic + ")");
            }
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new MalformedEnvelopeException("envelope version " + version + " is not known here (this node "
                        + "reads version " + VERSION + "); upgrade the older node");
            }
            int kind = in.readUnsignedByte();
            if (kind >= Kind.values().length) {
                throw new MalformedEnvelopeException("unknown message kind " + kind);
            }
            long correlation = in.readLong();
            String type = in.readUTF();
            int payloadVersion = in.readUnsignedShort();
            int size = in.readInt();
            if (size < 0 || size > in.available()) {
                throw new MalformedEnvelopeException("payload length " + size + " but " + in.available()
                        + " bytes arrived");
            }
            byte[] payload = in.readNBytes(size);
            return new Envelope(Kind.values()[kind], correlation, new ClusterMessage(type, payloadVersion, payload));
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedEnvelopeException("truncated or corrupt message: " + e.getMessage());
        }
    }

    static final class MalformedEnvelopeException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedEnvelopeException(String message) {
            super(message);
        }
    }
}
