package io.carbide.cluster.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The content port's wire format, version {@value #VERSION}: one request and one answer per TCP
 * connection, then the bytes asked for, encrypted.
 *
 * <pre>
 * request  "CBCT" version(1) keyId(6) clientNonce(16) sha256(32) offset(8) length(8) mac(32)
 * answer   "CBCT" version(1) status(1) serverNonce(16) length(8) mac(32)
 * frames   plainLength(4) AES-256-GCM ciphertext(plainLength + 16), until length bytes;
 *          plainLength at most 1 MB (this version sends 128 KB)
 * </pre>
 *
 * The request's mac is HMAC-SHA256 over the request, keyed with the content key of the cluster
 * secret named by {@code keyId} (two may be in use during a rotation). The answer's mac covers the
 * request's mac and the answer, so the fetching node knows the server holds the secret too. The
 * frames are sealed with a key derived from both nonces, fresh for every stream, each frame's IV
 * its number: a frame replayed, reordered or from another stream does not open. A refusal (an
 * unknown key, a bad mac, a request of a later version) cannot be authenticated and carries no mac.
 */
final class ContentWire {

    static final int MAGIC = 0x43424354; // "CBCT"
    static final byte VERSION = 1;
    /** The most bytes a frame may hold: what a reader accepts, and what earlier builds sent. */
    static final int FRAME = 1 << 20;
    /**
     * Bytes per frame this version sends; a sending stream holds about twice this. AES-GCM runs in
     * the JDK's slow Java code until the JIT has compiled its callers with the CPU's instructions,
     * which takes some hundreds of frames: with 1 MB frames a node that had not sent content since
     * it started sealed its first 64 MB at about 70 MB/s, with 128 KB frames at about 400 (and at
     * 4 GB/s once compiled, either way; docs/benchmarks-notes.md).
     */
    static final int SENT_FRAME = 128 << 10;
    static final int TAG_BYTES = 16;
    private static final int NONCE_BYTES = 16;
    private static final int KEY_ID_BYTES = 6;
    private static final int MAC_BYTES = 32;
    static final int REQUEST_BYTES = 4 + 1 + KEY_ID_BYTES + NONCE_BYTES + 32 + 8 + 8 + MAC_BYTES;
    static final int ANSWER_BYTES = 4 + 1 + 1 + NONCE_BYTES + 8 + MAC_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the server answers; a code this build does not know reads as {@link #UNKNOWN}. */
    enum Status {
        OK, MISSING, REFUSED, BAD_REQUEST, BUSY, UNKNOWN;

        static Status of(int code) {
            return code >= 0 && code < UNKNOWN.ordinal() ? values()[code] : UNKNOWN;
        }
    }

    /** A request as the server read and checked it. */
    record Request(String keyId, byte[] clientNonce, String sha256, long offset, long length, byte[] mac) {
    }

    /** An answer as the client read and checked it. */
    record Answer(Status status, byte[] serverNonce, long length) {
    }

    /** The request is not one to answer with content; {@link #status} says what to answer instead. */
    static final class Rejected extends IOException {
        private static final long serialVersionUID = 1L;
        final Status status;

        Rejected(Status status, String message) {
            super(message);
            this.status = status;
        }
    }

    private ContentWire() {
    }

    // ---- request

    static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    static byte[] request(ClusterKeys keys, byte[] clientNonce, String sha256, long offset, long length) {
        ByteBuffer buffer = ByteBuffer.allocate(REQUEST_BYTES);
        buffer.putInt(MAGIC).put(VERSION).put(HexFormat.of().parseHex(keys.id())).put(clientNonce)
                .put(HexFormat.of().parseHex(sha256)).putLong(offset).putLong(length);
        buffer.put(mac(keys.contentKey(), buffer.array(), 0, buffer.position()));
        return buffer.array();
    }

    /**
     * Reads and checks a request with the keys this node accepts.
     *
     * @throws Rejected with the status to answer: a request of another version or layout, an
     *     unknown key or a bad mac
     */
    static Request readRequest(DataInputStream in, java.util.function.Function<String, ClusterKeys> keysById)
            throws IOException {
        byte[] bytes = new byte[REQUEST_BYTES];
        in.readNBytes(bytes, 0, 5);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.getInt() != MAGIC) {
            throw new Rejected(Status.BAD_REQUEST, "not a content request");
        }
        int version = buffer.get();
        if (version != VERSION) {
            throw new Rejected(Status.BAD_REQUEST, "a content request of version " + version + "; this node reads "
                    + "version " + VERSION);
        }
        in.readFully(bytes, 5, REQUEST_BYTES - 5);
        byte[] keyId = new byte[KEY_ID_BYTES];
        buffer.get(keyId);
        byte[] clientNonce = new byte[NONCE_BYTES];
        buffer.get(clientNonce);
        byte[] digest = new byte[32];
        buffer.get(digest);
        long offset = buffer.getLong();
        long length = buffer.getLong();
        byte[] mac = new byte[MAC_BYTES];
        buffer.get(mac);
        String id = HexFormat.of().formatHex(keyId);
        ClusterKeys keys = keysById.apply(id);
        if (keys == null) {
            throw new Rejected(Status.REFUSED, "a content request under cluster key " + id + ", which this node does "
                    + "not hold (another cluster secret)");
        }
        if (!MessageDigest.isEqual(mac, mac(keys.contentKey(), bytes, 0, REQUEST_BYTES - MAC_BYTES))) {
            throw new Rejected(Status.REFUSED, "a content request whose proof of the cluster secret does not check out");
        }
        if (offset < 0 || length < 0) {
            throw new Rejected(Status.BAD_REQUEST, "a content request for a negative range");
        }
        return new Request(id, clientNonce, HexFormat.of().formatHex(digest), offset, length, mac);
    }

    // ---- answer

    /** An answer to a checked request, with its mac. */
    static byte[] answer(ClusterKeys keys, Request request, Status status, byte[] serverNonce, long length) {
        ByteBuffer buffer = ByteBuffer.allocate(ANSWER_BYTES);
        buffer.putInt(MAGIC).put(VERSION).put((byte) status.ordinal()).put(serverNonce).putLong(length);
        Mac mac = macOf(keys.contentKey());
        mac.update(request.mac());
        mac.update(buffer.array(), 0, buffer.position());
        buffer.put(mac.doFinal());
        return buffer.array();
    }

    /** An answer to a request that could not be checked: nothing to authenticate it with. */
    static byte[] refusal(Status status) {
        ByteBuffer buffer = ByteBuffer.allocate(ANSWER_BYTES);
        buffer.putInt(MAGIC).put(VERSION).put((byte) status.ordinal());
        return buffer.array();
    }

    /**
     * Reads the answer to {@code request}; an OK or MISSING must carry the server's proof of the
     * secret. A refusal is returned as it came: it cannot be checked, so the caller only gives up.
     */
    static Answer readAnswer(DataInputStream in, ClusterKeys keys, byte[] request) throws IOException {
        byte[] bytes = new byte[ANSWER_BYTES];
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            throw new IOException("the content port closed the connection without an answer");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.getInt() != MAGIC) {
            throw new IOException("the content port answered with something that is not a content answer");
        }
        int version = buffer.get();
        Status status = Status.of(buffer.get());
        byte[] serverNonce = new byte[NONCE_BYTES];
        buffer.get(serverNonce);
        long length = buffer.getLong();
        if (status != Status.OK && status != Status.MISSING) {
            return new Answer(status, serverNonce, 0);
        }
        Mac mac = macOf(keys.contentKey());
        mac.update(request, REQUEST_BYTES - MAC_BYTES, MAC_BYTES);
        mac.update(bytes, 0, ANSWER_BYTES - MAC_BYTES);
        byte[] expected = mac.doFinal();
        byte[] got = java.util.Arrays.copyOfRange(bytes, ANSWER_BYTES - MAC_BYTES, ANSWER_BYTES);
        if (version != VERSION || !MessageDigest.isEqual(expected, got)) {
            throw new IOException("the content port's answer does not prove it holds the cluster secret");
        }
        return new Answer(status, serverNonce, length);
    }

    // ---- frames

    /** The key of one stream: the content key, mixed with both ends' nonces. */
    static SecretKey streamKey(ClusterKeys keys, byte[] clientNonce, byte[] serverNonce) {
        byte[] salt = new byte[clientNonce.length + serverNonce.length];
        System.arraycopy(clientNonce, 0, salt, 0, clientNonce.length);
        System.arraycopy(serverNonce, 0, salt, clientNonce.length, serverNonce.length);
        return new SecretKeySpec(ClusterKeys.expand(ClusterKeys.extract(salt, keys.contentKey()),
                "carbide content stream".getBytes(StandardCharsets.UTF_8), 32), "AES");
    }

    /** Seals frames in order, one stream's worth. */
    static final class Sealer {
        private final Cipher cipher = gcm();
        private final SecretKey key;
        /** A frame as it goes out, its length first: one write, so the length does not go as a packet of its own. */
        private final byte[] frame;
        private long number;

        /** A sealer of frames of at most {@link #SENT_FRAME} bytes. */
        Sealer(SecretKey key) {
            this(key, SENT_FRAME);
        }

        Sealer(SecretKey key, int largestFrame) {
            this.key = key;
            this.frame = new byte[4 + largestFrame + TAG_BYTES];
        }

        /** Writes {@code plain[0..length)} as the next frame. */
        void write(OutputStream out, byte[] plain, int length) throws IOException {
            try {
                cipher.init(Cipher.ENCRYPT_MODE, key, iv(number++));
                ByteBuffer.wrap(frame).putInt(length);
                int n = cipher.doFinal(plain, 0, length, frame, 4);
                out.write(frame, 0, 4 + n);
            } catch (GeneralSecurityException e) {
                throw new IOException("could not seal content: " + e.getMessage(), e);
            }
        }
    }

    /** Opens frames in order, one stream's worth. */
    static final class Opener {
        private final Cipher cipher = gcm();
        private final SecretKey key;
        private final byte[] sealed = new byte[FRAME + TAG_BYTES];
        private long frame;

        Opener(SecretKey key) {
            this.key = key;
        }

        /** Reads the next frame into {@code plain} (at least {@link #FRAME} bytes); returns its length. */
        int read(DataInputStream in, byte[] plain, long remaining) throws IOException {
            int length = in.readInt();
            if (length <= 0 || length > FRAME || length > remaining) {
                throw new IOException("the content port sent a frame of " + length + " bytes where at most "
                        + Math.min(FRAME, remaining) + " were due");
            }
            in.readFully(sealed, 0, length + TAG_BYTES);
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, iv(frame++));
                return cipher.doFinal(sealed, 0, length + TAG_BYTES, plain, 0);
            } catch (GeneralSecurityException e) {
                throw new IOException("a frame from the content port does not open: tampered with, or out of order");
            }
        }
    }

    private static GCMParameterSpec iv(long frame) {
        return new GCMParameterSpec(TAG_BYTES * 8, ByteBuffer.allocate(12).putInt(0).putLong(frame).array());
    }

    private static Cipher gcm() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is missing from this JVM", e);
        }
    }

    private static byte[] mac(byte[] key, byte[] bytes, int offset, int length) {
        Mac mac = macOf(key);
        mac.update(bytes, offset, length);
        return mac.doFinal();
    }

    private static Mac macOf(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
