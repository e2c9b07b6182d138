package io.carbide.cluster.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys a node derives from its cluster secret, with HKDF-SHA256 (RFC 5869): one per use, so
 * that a message sealed for one channel cannot be replayed on another, and the join proof is not
 * keyed with the secret itself. HKDF does nothing to slow a guess: the secret must be long and
 * random (the generated one is 256 bits; a short one is refused at start, see {@link ClusterSecret}).
 * Derivation is two HMACs a key, so a node derives afresh on every join attempt and picks up a
 * secret the operator fixed without a restart.
 */
final class ClusterKeys {

    private static final String HMAC = "HmacSHA256";
    private static final int HASH_LENGTH = 32;

    private final byte[] pseudoRandomKey;
    /** Derived once each: a seal asks for its key with every message it sends. */
    private final Map<String, SecretKey> sealKeys = new ConcurrentHashMap<>();
    private final byte[] joinKey;
    private final byte[] contentKey;
    private final String id;

    private ClusterKeys(byte[] pseudoRandomKey) {
        this.pseudoRandomKey = pseudoRandomKey;
        this.joinKey = expand(pseudoRandomKey, info("join"), 32);
        this.contentKey = expand(pseudoRandomKey, info("content"), 32);
        this.id = HexFormat.of().formatHex(expand(pseudoRandomKey, info("key id"), 6));
    }

    /** The keys of one cluster domain: the domain is HKDF's salt, so two domains never share a key. */
    static ClusterKeys derive(byte[] secret, String domain) {
        return new ClusterKeys(extract(("carbide cluster domain " + domain).getBytes(StandardCharsets.UTF_8), secret));
    }

    /** The AES-256 key that seals the messages of one channel ("cluster", "managers"). */
    SecretKey sealKey(String channel) {
        return sealKeys.computeIfAbsent(channel,
                c -> new SecretKeySpec(expand(pseudoRandomKey, info("seal " + c), 32), "AES"));
    }

    /** The HMAC key of join proofs ({@link SharedSecretToken}). */
    byte[] joinKey() {
        return joinKey.clone();
    }

    /** The key of the content port ({@link ContentWire}): its requests' proofs and, mixed with nonces, its streams. */
    byte[] contentKey() {
        return contentKey.clone();
    }

    /**
     * A short name for these keys that nodes may show and tell each other: 48 bits of HKDF output,
     * which say nothing of a 256-bit secret, and let an operator compare nodes during a rotation.
     */
    String id() {
        return id;
    }

    /** Whether both were derived from one secret for one domain. */
    boolean sameAs(ClusterKeys other) {
        return other != null && MessageDigest.isEqual(pseudoRandomKey, other.pseudoRandomKey);
    }

    /** A sender's own key for one channel: each sender counts its nonces under a key no other sender has. */
    static SecretKey senderKey(SecretKey channelKey, byte[] senderSalt) {
        byte[] info = new byte[senderSalt.length + 7];
        System.arraycopy("sender ".getBytes(StandardCharsets.US_ASCII), 0, info, 0, 7);
        System.arraycopy(senderSalt, 0, info, 7, senderSalt.length);
        return new SecretKeySpec(expand(channelKey.getEncoded(), info, 32), "AES");
    }

    private static byte[] info(String use) {
        return ("carbide " + use).getBytes(StandardCharsets.UTF_8);
    }

    // ---- RFC 5869

    static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
        return hmac(salt.length == 0 ? new byte[HASH_LENGTH] : salt, inputKeyMaterial);
    }

    static byte[] expand(byte[] pseudoRandomKey, byte[] info, int length) {
        if (length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF cannot expand to " + length + " bytes");
        }
        byte[] output = new byte[length];
        byte[] block = new byte[0];
        int filled = 0;
        for (int counter = 1; filled < length; counter++) {
            byte[] input = new byte[block.length + info.length + 1];
            System.arraycopy(block, 0, input, 0, block.length);
            System.arraycopy(info, 0, input, block.length, info.length);
            input[input.length - 1] = (byte) counter;
            block = hmac(pseudoRandomKey, input);
            int taken = Math.min(block.length, length - filled);
            System.arraycopy(block, 0, output, filled, taken);
            filled += taken;
        }
        Arrays.fill(block, (byte) 0);
        return output;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC + " is missing from this JVM", e);
        }
    }
}
