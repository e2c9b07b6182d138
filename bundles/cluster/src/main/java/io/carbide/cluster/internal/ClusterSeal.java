package io.carbide.cluster.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.Header;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.PingHeader;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.JoinRsp;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ByteArray;
import org.jgroups.util.FastArray;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Util;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals every message of a channel with AES-256-GCM, directly above the transport: discovery,
 * failure detection, membership, join proofs and Carbide's own messages, headers and payload
 * alike, are unreadable and unforgeable without the cluster secret. A message that does not
 * authenticate is dropped, counted, logged at most once a minute per source, and answered with a
 * refusal so that a node with another secret can say why it is alone.
 *
 * <p>Nonces never repeat under one key: each sender draws a random 128-bit salt when its channel
 * starts, derives its own key from the channel key and that salt ({@link ClusterKeys#senderKey}),
 * and counts its messages under it. The salt and the counter travel in clear ({@link SealHeader});
 * nothing in a packet says anything about the key. The sealed bytes are the whole message as
 * JGroups writes it, source address included, and a message whose sealed source is not the one it
 * came from is dropped too.
 *
 * <p>A refusal is the one unsealed message: it cannot be authenticated, since the two sides hold
 * different keys. So it counts only when it names (salt and counter) a message this node sent
 * lately, and then only as a reason: the node keeps trying to join ({@link JGroupsCluster}).
 *
 * <p>Nodes of the earlier wire format (JGroups' SYM_ENCRYPT, Carbide's format 1) are answered in
 * their own terms: their discovery gets a response, their join request a refusal that names both
 * formats, which their SYM_ENCRYPT lets through, so they stop and say why.
 */
public class ClusterSeal extends Protocol {

    /** The wire format this node speaks: 2 since messages are sealed with AES-GCM; 1 was SYM_ENCRYPT. */
    static final byte FORMAT = 2;
    static final short PROTOCOL_ID = 1701;
    private static final int TAG_BITS = 128;
    private static final int RECENT = 1024;
    private static final int MAX_SENDER_KEYS = 4096;
    /** Ciphers a thread keeps, one per key: the senders it heard last and this node's own key. */
    private static final int KEYS_PER_THREAD = 8;
    private static final int MAX_REASON = 300;
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSeal.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        if (ClassConfigurator.getProtocolId(ClusterSeal.class) == 0) {
            ClassConfigurator.addProtocol(PROTOCOL_ID, ClusterSeal.class);
        }
        ClassConfigurator.addIfAbsent(SealHeader.MAGIC_ID, SealHeader.class);
    }

    /** Hands the keys to the instance JGroups creates while it reads the stack, on the same thread. */
    static final ThreadLocal<Keying> KEYS = new ThreadLocal<>();

    /**
     * Where a seal finds its keys: the node's {@link KeySet} as a rotation of the cluster secret
     * leaves it at each message, and the channel whose key it derives from each of them.
     */
    record Keying(String channel, java.util.function.Supplier<KeySet> keys) {
    }

    /** The key this node seals with now, its id, and its own sender key under it (two HMACs, so kept). */
    private record Sealing(SecretKey channelKey, String keyId, SecretKey ownKey) {
    }

    /** A sender that authenticated: the channel key it sealed under and its own key derived from that. */
    private record SenderKey(SecretKey channelKey, SecretKey key) {
    }

    private final byte[] salt = new byte[SealHeader.SALT_BYTES];
    private final AtomicLong counter = new AtomicLong();
    /** The counters of the last messages sent, and the keys they were sealed with: a refusal must name one of them. */
    private final long[] recent = new long[RECENT];
    private final String[] recentKeys = new String[RECENT];
    private final Map<String, SenderKey> senderKeys = new ConcurrentHashMap<>();
    private final ReplayWindow replays = new ReplayWindow();
    private volatile ReplyGate replies = new ReplyGate(this::reachableWithoutConnecting);
    /** Nodes of the earlier format that asked to discover this one: where to answer their join request. */
    private final Map<Address, PhysicalAddress> earlierFormat = new LinkedHashMap<>(16, 0.75f, true);
    private final AtomicLong rejected = new AtomicLong();
    private final BadTrafficLog badTraffic = new BadTrafficLog(LOG, 60_000);
    /**
     * Each thread's ciphers, one per key it used lately. An AES cipher given another key than the
     * last one expands that key again, and a thread that opens other members' messages and seals
     * this node's own alternated keys on nearly every message: in a burst of 1,000 deploys the key
     * expansion ran thousands of times, and the JIT spent over a second compiling it.
     */
    private final ThreadLocal<CiphersByKey> ciphers = ThreadLocal.withInitial(CiphersByKey::new);
    private volatile Consumer<Refusal> refusalListener = refusal -> { };
    private Keying keying;
    private volatile Sealing sealing;

    public ClusterSeal() {
        RANDOM.nextBytes(salt);
        GuardedMessages.install(); // every Carbide stack has a seal, whatever its transport
    }

    /** For tests and tools: a seal with these keys, outside a stack file. */
    ClusterSeal(Keying keying) {
        this();
        this.keying = keying;
    }

    @Override
    public void init() throws Exception {
        keying = KEYS.get();
        if (keying == null) {
            throw new IllegalStateException("no cluster key: " + getClass().getSimpleName()
                    + " is set up by the Carbide cluster bundle only");
        }
        super.init();
    }

    /** The key to seal with now; a rotation may have moved it since the last message. */
    private Sealing sealing() {
        ClusterKeys keys = keying.keys().get().sealing();
        SecretKey channelKey = keys.sealKey(keying.channel());
        Sealing now = sealing;
        if (now == null || now.channelKey() != channelKey) {
            now = new Sealing(channelKey, keys.id(), ClusterKeys.senderKey(channelKey, salt));
            sealing = now;
        }
        return now;
    }

    /**
     * What a refusal says: whether it is about the wire format (else the secret), and the other
     * node's words, quoted: they come from a node that could not authenticate this one.
     */
    record Refusal(boolean wireFormat, String said, String keyId) {
    }

    /** Told when a node answers one of this node's messages with a refusal. */
    void onRefusal(Consumer<Refusal> listener) {
        this.refusalListener = listener;
    }

    /** For tests and tools: which destinations count as reachable without a new connection. */
    void replyPaths(java.util.function.Predicate<PhysicalAddress> path) {
        this.replies = new ReplyGate(path);
    }

    /**
     * Whether an answer to {@code to} needs no new connection: datagrams never do; on TCP, only a
     * connection that node opened to this one (it is keyed by the address that node listens on).
     */
    private boolean reachableWithoutConnecting(PhysicalAddress to) {
        org.jgroups.protocols.TP transport = getTransport();
        if (transport instanceof org.jgroups.protocols.TCP tcp) {
            return TcpConnections.established(tcp, to);
        }
        return !(transport instanceof org.jgroups.protocols.BasicTCP);
    }


    /** Messages dropped because they did not authenticate, or came from the earlier format. */
    long rejected() {
        return rejected.get();
    }

    // ---- sending

    @Override
    public Object down(Message message) {
        if (message.getSrc() == null) {
            message.setSrc(local_addr);
        }
        SealHeader header = new SealHeader(FORMAT, SealHeader.SEALED, salt, counter.incrementAndGet());
        Sealing with = sealing();
        synchronized (recent) {
            recent[(int) (header.counter() % RECENT)] = header.counter();
            recentKeys[(int) (header.counter() % RECENT)] = with.keyId();
        }
        Message sealed;
        try {
            ByteArray plain = Util.messageToBuffer(message);
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, with.ownKey(), true, header);
            sealed = new BytesMessage(message.getDest(), cipher.doFinal(plain.getArray(), plain.getOffset(),
                    plain.getLength())).putHeader(id, header);
        } catch (Exception e) {
            throw new IllegalStateException("could not seal a cluster message: " + e, e);
        }
        sealed.setFlag(message.getFlags(false), false, false);
        sealed.setFlag(message.getFlags(true), true, false);
        sealed.setSrc(message.getSrc());
        if (hasDiscoveryHeader(message)) {
            // where a node that cannot read this message may send its refusal: discovery knows no address yet
            header.replyTo(physicalAddress());
        }
        return down_prot.down(sealed);
    }

    // ---- receiving

    @Override
    public Object up(Message message) {
        Message opened = open(message, message.getSrc());
        return opened == null ? null : up_prot.up(opened);
    }

    @Override
    public void up(MessageBatch batch) {
        FastArray<Message>.FastIterator it = (FastArray<Message>.FastIterator) batch.iterator();
        while (it.hasNext()) {
            Message message = it.next();
            Message opened = open(message, message.getSrc() != null ? message.getSrc() : batch.sender());
            if (opened == null) {
                it.remove();
            } else {
                it.replace(opened);
            }
        }
        if (!batch.isEmpty()) {
            up_prot.up(batch);
        }
    }

    /** The message as it was sealed, or null when it must not go further up. */
    Message open(Message message, Address sender) {
        if (!(message.getHeader(id) instanceof SealHeader header)) {
            earlierFormat(message, sender);
            return null;
        }
        if (header.format() != FORMAT) {
            reject(sender, "Dropped a cluster message from " + describe(sender) + " in wire format " + header.format()
                    + "; this node speaks format " + FORMAT + ": run one Carbide version on every node of the domain");
            refuse(header, "it speaks cluster wire format " + FORMAT + ", this node sent format " + header.format()
                    + ": run one Carbide version on every node of the domain");
            return null;
        }
        if (header.kind() == SealHeader.REFUSAL) {
            refused(message, header, sender);
            return null;
        }
        if (header.kind() != SealHeader.SEALED || !message.hasArray()) {
            reject(sender, "Dropped a cluster message of unknown kind " + header.kind() + " from " + describe(sender));
            return null;
        }
        KeySet keys = keying.keys().get();
        byte[] plain;
        try {
            plain = openUnder(keys.accepted(), message, header);
            if (plain == null) {
                if (openUnder(keys.retired(), message, header) != null) {
                    reject(sender, "Dropped a cluster message from " + describe(sender) + " sealed with a cluster secret "
                            + "this node retired in a rotation: that node still holds only the old secret");
                    refuse(header, "it holds the cluster secret this domain retired in a rotation; give this node the "
                            + "domain's current conf/cluster.secret (and no cluster.secret.next)");
                    return null;
                }
                reject(sender, "Dropped a cluster message from " + describe(sender) + " that does not authenticate under "
                        + "this domain's cluster secret: the sender holds another secret, or it was tampered with");
                refuse(header, "it cannot authenticate this node's messages: the two do not hold the same cluster secret");
                return null;
            }
        } catch (GeneralSecurityException e) {
            reject(sender, "Dropped a cluster message from " + describe(sender) + " that could not be opened: " + e);
            return null;
        }
        if (!replays.firstTime(header.salt(), header.counter())) {
            reject(sender, "Dropped a cluster message from " + describe(sender) + " that was taken before: a replay");
            return null;
        }
        Message opened;
        try {
            opened = Util.messageFromBuffer(plain, 0, plain.length);
        } catch (Exception unreadable) {
            reject(sender, "Dropped a sealed cluster message from " + describe(sender) + " that this version cannot read: "
                    + unreadable);
            return null;
        }
        String misdirected = misdirected(message, opened, sender);
        if (misdirected != null) {
            reject(sender, "Dropped a cluster message from " + describe(sender) + ": " + misdirected);
            return null;
        }
        return opened;
    }

    /**
     * Why a message that authenticated must still not be taken: what travels in clear (source,
     * destination, flags) says other than what was sealed, e.g. a unicast to another member sent
     * on here, or a message moved between ordered and out-of-band delivery.
     */
    private String misdirected(Message outer, Message opened, Address sender) {
        if (sender != null && !sender.equals(opened.getSrc())) {
            return "sealed by " + opened.getSrc() + " but sent as " + sender;
        }
        Address sealedTo = opened.getDest();
        boolean logical = sealedTo != null && !(sealedTo instanceof PhysicalAddress);
        if (logical && local_addr != null && !sealedTo.equals(local_addr)) {
            return "sealed for " + sealedTo + ", not this node";
        }
        Address sentTo = outer.getDest();
        if (sentTo != null && !(sentTo instanceof PhysicalAddress) && !sentTo.equals(sealedTo)) {
            return "sent to " + sentTo + " but sealed for " + sealedTo;
        }
        if (outer.getFlags(false) != opened.getFlags(false)) {
            return "its delivery flags were changed on the way";
        }
        return null;
    }

    private void reject(Address sender, String why) {
        rejected.incrementAndGet();
        badTraffic.report(describe(sender), why); // by claimed name: a node that retries comes with a new address
    }

    // ---- refusals

    /**
     * Tells a node whose message this one cannot open why, where its message said it listens, when
     * the {@link ReplyGate} lets it.
     */
    private void refuse(SealHeader header, String why) {
        PhysicalAddress to = header.replyTo();
        if (!replies.mayAnswer(to, "refusal", System.currentTimeMillis())) {
            return;
        }
        Message refusal = new BytesMessage(to, (describeSelf() + " refused this node: " + why)
                .getBytes(StandardCharsets.UTF_8))
                .putHeader(id, new SealHeader(FORMAT, SealHeader.REFUSAL, header.salt(), header.counter()))
                .setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE);
        refusal.setSrc(local_addr);
        down_prot.down(refusal);
    }

    /** A refusal counts only when it names a message this node sent lately; it is then only a reason. */
    private void refused(Message message, SealHeader header, Address sender) {
        boolean ours = java.util.Arrays.equals(header.salt(), salt);
        String keyId = null;
        if (ours) {
            synchronized (recent) {
                ours = header.counter() > 0 && recent[(int) (header.counter() % RECENT)] == header.counter();
                keyId = recentKeys[(int) (header.counter() % RECENT)];
            }
        }
        if (!ours || !message.hasArray()) {
            reject(sender, "Ignored a refusal from " + describe(sender) + " that answers no message this node sent");
            return;
        }
        String said = new String(message.getArray(), message.getOffset(), Math.min(message.getLength(), MAX_REASON),
                StandardCharsets.UTF_8).replaceAll("[\\p{Cntrl}\"]", "?");
        // the text comes from a node that could not authenticate this one: quoted, never taken for advice
        refusalListener.accept(new Refusal(said.contains("wire format"), "a node answered \"" + said + "\"", keyId));
    }

    // ---- the earlier wire format

    /**
     * A message without a seal: from a node of the earlier format, or garbage. An earlier node's
     * discovery request is answered, so that it sends its join request here; that is refused in
     * the form its SYM_ENCRYPT lets through, naming both formats.
     */
    private void earlierFormat(Message message, Address sender) {
        reject(sender, "Dropped an unsealed cluster message from " + describe(sender) + ": it speaks an earlier cluster wire "
                + "format (1) than this node (" + FORMAT + "); upgrade every node of the domain together");
        try {
            GMS.GmsHeader gms = message.getHeader(ClassConfigurator.getProtocolId(GMS.class));
            if (gms != null && (gms.getType() == GMS.GmsHeader.JOIN_REQ
                    || gms.getType() == GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER)) {
                PhysicalAddress to;
                synchronized (earlierFormat) {
                    to = earlierFormat.get(sender);
                }
                if (replies.mayAnswer(to, "join refusal", System.currentTimeMillis())) {
                    Message refusal = new BytesMessage(to).putHeader(ClassConfigurator.getProtocolId(GMS.class),
                            new GMS.GmsHeader(GMS.GmsHeader.JOIN_RSP)).setArray(GMS.marshal(new JoinRsp(describeSelf()
                                    + " speaks cluster wire format " + FORMAT + " (authenticated encryption) and this node "
                                    + "format 1: upgrade every node of the domain to one Carbide version together")));
                    refusal.setSrc(local_addr);
                    down_prot.down(refusal);
                }
                return;
            }
            for (Header header : message.getHeaders().values()) {
                if (header instanceof PingHeader ping && ping.type() == PingHeader.GET_MBRS_REQ && message.hasArray()) {
                    answerEarlierDiscovery(message, ping.getProtId());
                    return;
                }
            }
        } catch (Exception unreadable) {
            LOG.debug("Could not answer an unsealed message from {}: {}", sender, unreadable.toString());
        }
    }

    private void answerEarlierDiscovery(Message request, short discoveryId) throws Exception {
        // JGroups sizes the list by the count the request claims, before reading any of it: a
        // count beyond the request's own length is no discovery (an unsealed 800 MB list ended a node)
        if (request.getLength() < Integer.BYTES
                || org.jgroups.util.Bits.readInt(request.getArray(), request.getOffset()) > request.getLength()) {
            return;
        }
        List<PingData> asked = Discovery.deserialize(request.getArray(), request.getOffset(), request.getLength());
        PhysicalAddress self = physicalAddress();
        if (asked == null || asked.isEmpty() || asked.get(0).getPhysicalAddr() == null || self == null) {
            return;
        }
        PingData requester = asked.get(0);
        synchronized (earlierFormat) {
            earlierFormat.put(requester.getAddress(), requester.getPhysicalAddr());
            if (earlierFormat.size() > 64) {
                Iterator<Address> eldest = earlierFormat.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
        }
        if (!replies.mayAnswer(requester.getPhysicalAddr(), "discovery", System.currentTimeMillis())) {
            return;
        }
        PingData answer = new PingData(local_addr, true, org.jgroups.util.NameCache.get(local_addr), self).coord(true);
        Message response = new BytesMessage(requester.getPhysicalAddr()).putHeader(discoveryId,
                new PingHeader(PingHeader.GET_MBRS_RSP)).setArray(Discovery.marshal(answer))
                .setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE);
        response.setSrc(local_addr);
        down_prot.down(response);
    }

    // ---- keys and ciphers

    /**
     * The message opened under the first of {@code keys} it authenticates under, or null for none.
     * The key its sender last authenticated with is tried first; the others are derived only when
     * that fails (two HMACs each), which happens when a rotation moves the sender to another secret.
     */
    private byte[] openUnder(List<ClusterKeys> keys, Message message, SealHeader header) throws GeneralSecurityException {
        String sender = HexFormat.of().formatHex(header.salt());
        SenderKey known = senderKeys.get(sender);
        byte[] plain = known == null || !among(known.channelKey(), keys) ? null : open(known, true, message, header);
        for (int i = 0; plain == null && i < keys.size(); i++) {
            SecretKey channelKey = keys.get(i).sealKey(keying.channel());
            if (known == null || known.channelKey() != channelKey) {
                SenderKey candidate = new SenderKey(channelKey, ownKeyUnder(channelKey, header.salt()));
                plain = open(candidate, false, message, header);
                if (plain != null) {
                    remember(sender, candidate); // only senders that authenticated take room
                }
            }
        }
        return plain;
    }

    private boolean among(SecretKey channelKey, List<ClusterKeys> keys) {
        for (ClusterKeys each : keys) {
            if (each.sealKey(keying.channel()) == channelKey) {
                return true;
            }
        }
        return false;
    }

    /** A sender's key under a channel key; this node's own is kept. */
    private SecretKey ownKeyUnder(SecretKey channelKey, byte[] senderSalt) {
        Sealing own = sealing;
        return own != null && own.channelKey() == channelKey && java.util.Arrays.equals(senderSalt, salt)
                ? own.ownKey() : ClusterKeys.senderKey(channelKey, senderSalt);
    }

    /** {@code authenticated}: the sender authenticated under this key before. */
    private byte[] open(SenderKey candidate, boolean authenticated, Message message, SealHeader header)
            throws GeneralSecurityException {
        try {
            return cipher(Cipher.DECRYPT_MODE, candidate.key(), authenticated, header)
                    .doFinal(message.getArray(), message.getOffset(), message.getLength());
        } catch (AEADBadTagException notUnderThisKey) {
            return null;
        }
    }

    private void remember(String sender, SenderKey key) {
        if (senderKeys.size() >= MAX_SENDER_KEYS) {
            senderKeys.clear(); // more senders than a domain has: they are derived again as they speak
        }
        senderKeys.put(sender, key);
    }

    /**
     * A cipher set up for one message. A key nobody authenticated under yet (a new sender, a
     * rotation, or garbage) is tried on the thread's spare cipher, so it takes no room among the kept.
     */
    private Cipher cipher(int mode, SecretKey key, boolean kept, SealHeader header) throws GeneralSecurityException {
        byte[] nonce = new byte[12];
        long count = header.counter();
        for (int i = 0; i < Long.BYTES; i++) {
            nonce[4 + i] = (byte) (count >>> (56 - 8 * i));
        }
        CiphersByKey thread = ciphers.get();
        Cipher cipher = kept ? thread.forKey(key, sealing) : thread.spare;
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(header.associatedData());
        return cipher;
    }

    /**
     * The ciphers of the keys a thread used last, at most {@link #KEYS_PER_THREAD}. A key new to the
     * thread takes over the cipher of the key it used longest ago (expanded again, as a thread with
     * one cipher did for every change of key), so a thread hearing many senders allocates nothing
     * more. All are let go once this node seals under another secret: a retired secret's keys do not
     * stay with the thread. The spare one tries keys nobody authenticated under yet.
     */
    private static final class CiphersByKey extends LinkedHashMap<SecretKey, Cipher> {
        final Cipher spare = newCipher();
        private Sealing under;

        CiphersByKey() {
            super(16, 0.75f, true);
        }

        Cipher forKey(SecretKey key, Sealing now) {
            if (under != now) {
                clear();
                under = now;
            }
            Cipher cipher = get(key);
            if (cipher == null) {
                if (size() < KEYS_PER_THREAD) {
                    cipher = newCipher();
                } else {
                    Iterator<Cipher> longestAgo = values().iterator();
                    cipher = longestAgo.next();
                    longestAgo.remove();
                }
                put(key, cipher);
            }
            return cipher;
        }
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is missing from this JVM", e);
        }
    }

    private static boolean hasDiscoveryHeader(Message message) {
        for (Header header : message.getHeaders().values()) {
            if (header instanceof PingHeader) {
                return true;
            }
        }
        return false;
    }

    private PhysicalAddress physicalAddress() {
        Object physical = down_prot.down(new Event(Event.GET_PHYSICAL_ADDRESS, local_addr));
        return physical instanceof PhysicalAddress address ? address : null;
    }

    /** A sender as its address describes it; unverified, since the address travels in clear. */
    private static final java.util.regex.Pattern NODE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    static String describe(Address sender) {
        if (sender instanceof org.jgroups.util.ExtendedUUID extended && extended.keyExists(MemberCodec.ADDRESS_KEY)) {
            try {
                String name = MemberCodec.decode(extended.get(MemberCodec.ADDRESS_KEY)).name();
                // the name travels in clear, unauthenticated: only a node name goes into the log as it
                // is (a name carrying a line break could forge a whole log line)
                return NODE_NAME.matcher(name).matches() ? "a node calling itself " + name
                        : "a node calling itself by no node name (" + name.length() + " characters)";
            } catch (java.io.IOException unreadable) {
                // fall back to the address
            }
        }
        return sender == null ? "an unknown sender" : "address " + sender.toString();
    }

    private String describeSelf() {
        String name = org.jgroups.util.NameCache.get(local_addr);
        PhysicalAddress physical = physicalAddress();
        return (name != null ? name : String.valueOf(local_addr)) + (physical != null ? " (" + physical + ")" : "");
    }
}
