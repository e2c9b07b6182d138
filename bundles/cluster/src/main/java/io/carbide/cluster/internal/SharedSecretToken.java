package io.carbide.cluster.internal;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.auth.AuthToken;
import org.jgroups.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves, when a node asks to join or merge, that it holds the cluster's secret, without sending
 * it: an HMAC-SHA256, keyed with the join key derived from the secret ({@link ClusterKeys#joinKey}),
 * of the domain, the joiner's and the coordinator's addresses, a fresh nonce and the time. So a
 * proof is good for one joiner asking one coordinator, for {@value #VALID_SECONDS} s, once: the
 * coordinator remembers the nonces it accepted until they expire, and refuses one seen again.
 *
 * <p>JGroups builds a bare instance of this class for every token that arrives, so the fields that
 * arrive are read into one, and the configured instance does the checking. {@link MemberAuth}
 * gives each request its own token, bound to the request's addresses ({@link #boundTo}).
 */
public class SharedSecretToken extends AuthToken {

    private static final Logger LOG = LoggerFactory.getLogger(SharedSecretToken.class);
    static final int VALID_SECONDS = 60;
    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final int MAX_REMEMBERED = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The node's keys as a rotation leaves them: proofs are signed with the sealing one, checked against each accepted one. */
    private java.util.function.Supplier<KeySet> keys;
    private String domain;
    /** Set on tokens this node sends: what the proof is bound to, and the configured token it came from. */
    private Address joiner;
    private Address coordinator;
    private SharedSecretToken issuer;
    /** Set on the configured token: nonces accepted lately, with when they expire. */
    private final Map<String, Long> accepted = new LinkedHashMap<>();
    // what travels
    private byte[] nonce = new byte[NONCE_BYTES];
    private long timestamp;
    private byte[] mac = new byte[MAC_BYTES];

    public SharedSecretToken() {
        // JGroups creates instances by reflection to read arriving tokens
    }

    void configure(java.util.function.Supplier<KeySet> keys, String domain) {
        this.keys = keys;
        this.domain = domain;
    }

    /** A token for one request from {@code joiner} to {@code coordinator}, signed when it is written. */
    SharedSecretToken boundTo(Address joiner, Address coordinator) {
        SharedSecretToken bound = new SharedSecretToken();
        bound.keys = keys;
        bound.domain = domain;
        bound.joiner = joiner;
        bound.coordinator = coordinator;
        bound.issuer = this;
        return bound;
    }

    @Override
    public String getName() {
        return "carbide-join-proof";
    }

    @Override
    public boolean authenticate(AuthToken token, Message message) {
        if (token == this || token instanceof SharedSecretToken own && own.issuer == this) {
            return true; // this node's own request, delivered in-process without ever being serialized
        }
        // bound to this node, whatever address the request names: a request replayed to another coordinator fails
        Address self = auth != null && auth.getAddress() != null ? auth.getAddress() : message.getDest();
        String refusal = token instanceof SharedSecretToken remote ? check(remote, message.getSrc(), self)
                : "it sent no join proof";
        if (refusal != null) {
            LOG.warn("Refused {} into cluster domain {}: {}", message.getSrc(), domain, refusal);
        }
        return refusal == null;
    }

    /** Why the proof does not hold, or null when it does. */
    String check(SharedSecretToken remote, Address from, Address to) {
        KeySet held = keys == null ? null : keys.get();
        if (held == null) {
            return "this node has no join key";
        }
        long skew = Math.abs(System.currentTimeMillis() - remote.timestamp);
        if (skew > VALID_SECONDS * 1000L) {
            return "its join proof is " + skew / 1000 + " s off this node's clock (more than " + VALID_SECONDS
                    + " s): a replay, or clocks to set right";
        }
        if (!holdsFor(held, remote, from, to)) {
            return "its join proof does not hold for this domain's cluster secret and these two addresses "
                    + "(another secret, or a proof replayed from another node)";
        }
        String nonce = HexFormat.of().formatHex(remote.nonce);
        long now = System.currentTimeMillis();
        synchronized (accepted) {
            accepted.values().removeIf(expires -> expires < now);
            if (accepted.containsKey(nonce)) {
                return "its join proof was used before: a replay";
            }
            accepted.put(nonce, now + 2L * VALID_SECONDS * 1000);
            if (accepted.size() > MAX_REMEMBERED) {
                Iterator<String> eldest = accepted.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
        }
        return null;
    }

    /** Whether the proof was signed under one of the keys this node accepts (two during a rotation). */
    private boolean holdsFor(KeySet held, SharedSecretToken remote, Address from, Address to) {
        for (ClusterKeys each : held.accepted()) {
            if (MessageDigest.isEqual(remote.mac, sign(each.joinKey(), domain, from, to, remote.nonce, remote.timestamp))) {
                return true;
            }
        }
        return false;
    }

    static byte[] sign(byte[] key, String domain, Address joiner, Address coordinator, byte[] nonce, long timestamp) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            hmac.update(domain.getBytes(StandardCharsets.UTF_8));
            hmac.update(addressBytes(joiner));
            hmac.update(addressBytes(coordinator));
            hmac.update(nonce);
            hmac.update(ByteBuffer.allocate(Long.BYTES).putLong(timestamp).array());
            return hmac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** The 128 bits of a member's address; none for no address (a merge request to all). */
    private static byte[] addressBytes(Address address) {
        ByteBuffer bytes = ByteBuffer.allocate(1 + 2 * Long.BYTES);
        if (address instanceof UUID uuid) {
            bytes.put((byte) 1).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        } else if (address != null) {
            bytes.put((byte) 2).putLong(address.hashCode());
        }
        return bytes.array();
    }

    @Override
    public int size() {
        return NONCE_BYTES + Long.BYTES + MAC_BYTES;
    }

    /** Signs afresh every time it is written, with a new nonce. */
    @Override
    public void writeTo(DataOutput out) throws IOException {
        byte[] freshNonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(freshNonce);
        long now = System.currentTimeMillis();
        out.write(freshNonce);
        out.writeLong(now);
        KeySet held = keys == null ? null : keys.get();
        out.write(held == null ? new byte[MAC_BYTES]
                : sign(held.sealing().joinKey(), domain, joiner, coordinator, freshNonce, now));
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        in.readFully(nonce);
        timestamp = in.readLong();
        in.readFully(mac);
    }

    @Override
    public String toString() {
        return getName(); // never the key
    }
}
