package io.carbide.cluster;

/**
 * A typed, versioned message between members. The cluster carries the payload as bytes; each
 * bundle encodes its own payloads compactly (never Java serialization) and says which version of
 * the encoding it used, so a newer node can still read an older one's messages.
 *
 * @param type a dotted name owned by one bundle, e.g. {@code deployment.announce}
 * @param version the payload encoding's version
 */
public record ClusterMessage(String type, int version, byte[] payload) {

    public ClusterMessage {
        if (type == null || type.isEmpty() || type.length() > 200) {
            throw new IllegalArgumentException("a message type is 1 to 200 characters");
        }
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("a message version is 0 to 65535");
        }
        payload = payload == null ? new byte[0] : payload;
    }
}
