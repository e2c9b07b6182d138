package io.carbide.cluster.internal;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.Message;
import org.jgroups.auth.AuthToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves, when a node asks to join, that it holds the cluster's shared secret, without sending
 * the secret: the token carries a fresh nonce, a timestamp and an HMAC-SHA256 of both (and the
 * domain name) keyed with the secret. The coordinator recomputes the HMAC with its own secret.
 *
 * <p>JGroups builds a bare instance of this class for every token that arrives, so the fields
 * that arrive are read into one, and the configured instance does the checking.
 */
public class SharedSecretToken extends AuthToken {

    private static final Logger LOG = LoggerFactory.getLogger(SharedSecretToken.class);
    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final long MAX_CLOCK_SKEW_MILLIS = 10 * 60_000L;
    private static final SecureRandom RANDOM = new SecureRandom();

    private byte[] secret;
    private String domain;
    // what travels
    private byte[] nonce = new byte[NONCE_BYTES];
    private long timestamp;
    private byte[] mac = new byte[MAC_BYTES];

    public SharedSecretToken() {
        // JGroups creates instances by reflection to read arriving tokens
    }

    void configure(byte[] secret, String domain) {
        this.secret = secret.clone();
        this.domain = domain;
    }

    @Override
    public String getName() {
        return "carbide-shared-secret";
    }

    @Override
    public boolean authenticate(AuthToken token, Message message) {
        if (token == this) {
            return true; // this node's own request, delivered in-process without ever being serialized
        }
        boolean valid = token instanceof SharedSecretToken remote && secret != null && remote.isSignedWith(secret, domain);
        if (!valid) {
            LOG.warn("Refused {} into cluster domain {}: it does not hold this domain's cluster secret; give it the "
                    + "same conf/cluster.secret (or CARBIDE_CLUSTER_SECRET) as the other nodes", message.getSrc(), domain);
        }
        return valid;
    }

    private boolean isSignedWith(byte[] key, String expectedDomain) {
        if (Math.abs(System.currentTimeMillis() - timestamp) > MAX_CLOCK_SKEW_MILLIS) {
            return false;
        }
        return MessageDigest.isEqual(mac, sign(key, expectedDomain, nonce, timestamp));
    }

    static byte[] sign(byte[] key, String domain, byte[] nonce, long timestamp) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            hmac.update(domain.getBytes(StandardCharsets.UTF_8));
            hmac.update(nonce);
            hmac.update(ByteBuffer.allocate(Long.BYTES).putLong(timestamp).array());
            return hmac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    @Override
    public int size() {
        return NONCE_BYTES + Long.BYTES + MAC_BYTES;
    }

    /** Signs afresh every time it is sent, so a captured token soon stops working. */
    @Override
    public void writeTo(DataOutput out) throws IOException {
        byte[] freshNonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(freshNonce);
        long now = System.currentTimeMillis();
        out.write(freshNonce);
        out.writeLong(now);
        out.write(secret == null ? new byte[MAC_BYTES] : sign(secret, domain, freshNonce, now));
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        in.readFully(nonce);
        timestamp = in.readLong();
        in.readFully(mac);
    }

    @Override
    public String toString() {
        return getName(); // never the secret
    }
}
