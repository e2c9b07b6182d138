package io.carbide.cluster.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.Message;
import org.jgroups.protocols.EncryptHeader;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.JoinRsp;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.util.MessageBatch;

/**
 * JGroups' SYM_ENCRYPT with its AES key derived from the cluster secret (PBKDF2, salted with the
 * domain), so every node that holds the secret has the same key without a keystore to ship, and
 * partitions that heal can merge at once.
 *
 * <p>A node with another secret sends its join request under another key version, which shows in
 * the clear headers: this protocol refuses it with one log line, and answers with a join refusal
 * (a join response with a failure reason and no view) sent unencrypted, since the refused node
 * could not read it otherwise; on the refused node it lets exactly that message through, so that
 * node stops trying and says why. AUTH, above, checks joins and merges once more with an HMAC token.
 */
public class SecretEncrypt extends SYM_ENCRYPT {

    /** Nodes already refused: each is named in the log once, however often it retries. */
    private final java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Hands the key to the instance JGroups creates while it reads the stack, on the same thread. */
    static final ThreadLocal<SecretKey> KEY = new ThreadLocal<>();

    public SecretEncrypt() {
        // JGroups numbers protocols by class; this one speaks SYM_ENCRYPT's headers, so it takes its number
        this.id = ClassConfigurator.getProtocolId(SYM_ENCRYPT.class);
    }

    /** Derived keys by secret and domain: the cluster and the managers' channel share one, derived once. */
    private static final java.util.Map<String, SecretKey> DERIVED = new java.util.concurrent.ConcurrentHashMap<>();

    static SecretKey deriveKey(byte[] secret, String domain) {
        String cacheKey = java.util.HexFormat.of().formatHex(secret) + "\u0000" + domain;
        return DERIVED.computeIfAbsent(cacheKey, k -> derive(secret, domain));
    }

    private static SecretKey derive(byte[] secret, String domain) {
        try {
            char[] password = new String(secret, StandardCharsets.UTF_8).toCharArray();
            byte[] salt = ("carbide-cluster:" + domain).getBytes(StandardCharsets.UTF_8);
            byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password, salt, 20_000, 128)).getEncoded();
            return new SecretKeySpec(key, "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JVM", e);
        }
    }

    @Override
    public void init() throws Exception {
        SecretKey key = KEY.get();
        if (key == null) {
            throw new IllegalStateException("no cluster key: " + getClass().getSimpleName()
                    + " is set up by the Carbide cluster bundle only");
        }
        setSecretKey(key);
        super.init();
    }

    @Override
    public Object up(Message message) {
        if (isRefusal(message)) {
            return up_prot.up(message);
        }
        if (isJoinWithAnotherKey(message)) {
            refuse(message);
            return null;
        }
        return super.up(message);
    }

    /**
     * A join request encrypted with another key comes from a node with another cluster secret.
     * Headers travel in clear: the encryption header names the key's version, the GMS header the request.
     */
    private boolean isJoinWithAnotherKey(Message message) {
        short gmsId = ClassConfigurator.getProtocolId(GMS.class);
        return message.getHeader(id) instanceof EncryptHeader encrypted
                && message.getHeader(gmsId) instanceof GMS.GmsHeader header
                && (header.getType() == GMS.GmsHeader.JOIN_REQ || header.getType() == GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER)
                && !java.util.Arrays.equals(encrypted.version(), sym_version);
    }

    /** Says so in the log, once per node, and tells the node, so that it stops trying and says why. */
    private void refuse(Message message) {
        if (refused.add(String.valueOf(message.getSrc()))) {
            org.slf4j.LoggerFactory.getLogger(SecretEncrypt.class).warn("Refused {} into the cluster domain: it does "
                    + "not hold this domain's cluster secret; give it the same conf/cluster.secret (or "
                    + "CARBIDE_CLUSTER_SECRET) as the other nodes", message.getSrc());
        }
        down_prot.down(new org.jgroups.BytesMessage(message.getSrc())
                .putHeader(ClassConfigurator.getProtocolId(GMS.class), new GMS.GmsHeader(GMS.GmsHeader.JOIN_RSP))
                .setArray(GMS.marshal(new JoinRsp(local_addr + " says this node does not hold the cluster secret of "
                        + "the domain"))));
    }

    /** A join refusal goes out unencrypted: the refused node holds another key and could not read it. */
    @Override
    public Object down(Message message) {
        if (isRefusal(message)) {
            return down_prot.down(message);
        }
        return super.down(message);
    }

    @Override
    public void up(MessageBatch batch) {
        java.util.List<Message> special = new java.util.ArrayList<>();
        for (Message message : batch) {
            if (isRefusal(message) || isJoinWithAnotherKey(message)) {
                special.add(message);
            }
        }
        if (!special.isEmpty()) {
            batch.removeIf(special::contains, true);
            special.forEach(this::up);
        }
        if (!batch.isEmpty()) {
            super.up(batch);
        }
    }

    /** A join response that refuses: a failure reason and no view. It carries nothing secret. */
    private boolean isRefusal(Message message) {
        short gmsId = ClassConfigurator.getProtocolId(GMS.class);
        if (message.getHeader(id) != null || !(message.getHeader(gmsId) instanceof GMS.GmsHeader header)
                || header.getType() != GMS.GmsHeader.JOIN_RSP || !message.hasArray()) {
            return false; // the normal path: encrypted, or not a join response with bytes
        }
        try {
            JoinRsp response = org.jgroups.util.Util.streamableFromBuffer(JoinRsp::new, message.getArray(),
                    message.getOffset(), message.getLength());
            return response.getFailReason() != null && response.getView() == null;
        } catch (Exception notARefusal) {
            return false;
        }
    }
}
