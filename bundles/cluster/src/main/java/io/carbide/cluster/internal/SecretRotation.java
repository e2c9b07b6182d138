package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMessage;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jgroups.Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a running node from one cluster secret to the next without leaving its domain.
 *
 * <p>The operator's sequence (README, "Rotating the cluster secret"):
 * <ol>
 * <li>put the new secret in {@code conf/cluster.secret.next} on every node, in any order and
 * without restarts: a node that holds it accepts messages and join proofs under both secrets;</li>
 * <li>the fleet then seals with the next secret by itself: a node does once every other member of
 * the channel has said it holds it (the {@value #MESSAGE_TYPE} message, which carries key ids,
 * never keys), and goes back only when a member says it does not;</li>
 * <li>once {@code status.sh --json} shows {@code sealingWith: next} everywhere, on every node
 * move {@code cluster.secret.next} over {@code cluster.secret}. The node retires the old secret as
 * soon as every member holds the new one (at once, when step 2 is done); the window is over when
 * the last node has. A node that still holds only the old secret is then refused, and a node that
 * retired that secret says so in its refusal.</li>
 * </ol>
 *
 * <p>Each channel (the cluster's, and the managers' own) decides for its own members. A node alone
 * in a channel has nobody to ask: it starts with the key it last sealed with among others (the next
 * one, as new joins should, if it never was among others), and tries the other one every few
 * seconds and after a refusal of a message sealed with the one it tries, so it finds its way in
 * from either side of the window. A changed {@code cluster.secret} that was not this node's next
 * secret is taken only while the node is alone; in a view with others it is refused with a line
 * that names the way to rotate, since sealing with it would cut the node off.
 */
public final class SecretRotation {

    /** Each member tells the others which keys it holds: on every view change, every change here, and now and then. */
    static final String MESSAGE_TYPE = "cluster.keys";
    static final int MESSAGE_VERSION = 1;
    static final String CLUSTER = "cluster";
    static final String MANAGERS = "managers";
    private static final long CHECK_SECONDS = 2;
    /** Alone with two secrets, a node tries the other one after this many checks. */
    private static final int ALONE_CHECKS_PER_KEY = 2;
    /** Said again every this many checks, in case a member missed it (it joined while this node spoke). */
    private static final int ANNOUNCE_EVERY_CHECKS = 5;
    private static final int RETIRED_KEPT = 2;
    private static final Logger LOG = LoggerFactory.getLogger(SecretRotation.class);

    /** Where the secrets come from: the node's files and environment, or a test's. */
    interface SecretSource {
        ClusterSecret.Held read(boolean mayGenerate) throws IOException;
    }

    /** What a member said it holds, and at which address (a restarted member comes with a new one). */
    private record Said(Address address, Set<String> ids) {
    }

    /** One channel's view of the rotation: who else is there, and what this node chose for it. */
    private static final class Channel {
        Set<String> others = Set.of();
        ClusterKeys lastAmongOthers;
        boolean aloneFlipped;
        int aloneChecks;
    }

    private final String nodeName;
    private final String domain;
    private final SecretSource source;
    private final ScheduledExecutorService checker;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Said> saidByMember = new HashMap<>();
    private final Map<String, Channel> channels = new HashMap<>(Map.of(CLUSTER, new Channel(), MANAGERS, new Channel()));
    private final Deque<ClusterKeys> retired = new ArrayDeque<>();
    private volatile Map<String, KeySet> published = Map.of();
    private ClusterKeys current;
    private ClusterKeys next;
    /** The last next secret seen, kept after it went: a promotion read half-way (file moved between two reads) is still one. */
    private ClusterKeys lastNext;
    /** The file holds the next secret as the current one, but some member does not hold it yet: retire later. */
    private boolean promotionWaits;
    private int nextMissingReads;
    private int checks;
    private int replacements;
    private String nextSource = "";
    private String readProblem = "";
    private String nextProblem = "";
    private String refusedChange = "";

    /** The node's own rotation, watching its files; made by {@link JGroupsCluster}, which shares it with the managers' channel. */
    SecretRotation(NodeIdentity node, ClusterSettings settings) {
        this(node.name(), settings.domain(),
                mayGenerate -> ClusterSecret.load(node, settings.allowWeakSecret(), mayGenerate), true);
    }

    SecretRotation(String nodeName, String domain, SecretSource source, boolean watch) {
        this.nodeName = nodeName;
        this.domain = domain;
        this.source = source;
        this.checker = watch ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "carbide-cluster-secret");
            thread.setDaemon(true);
            return thread;
        }) : null;
        if (checker != null) {
            checker.scheduleWithFixedDelay(this::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
        }
    }

    void stop() {
        if (checker != null) {
            checker.shutdownNow();
        }
    }

    /** The keys a channel ({@link #CLUSTER} or {@link #MANAGERS}) uses now; null before the first read. */
    KeySet keys(String channel) {
        return published.get(channel);
    }

    /** The keys, read first if nothing has read them yet (the managers' channel may start before the cluster's). */
    synchronized KeySet loaded(String channel) throws IOException {
        if (current == null) {
            take(source.read(true), true);
        }
        return keys(channel);
    }

    /** Told when what this node holds changes, and now and then, so it can tell the others. */
    void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** A join attempt of the cluster channel: alone, it reads its secrets (a first one may be generated). */
    synchronized KeySet joining() throws IOException {
        channel(CLUSTER).others = Set.of();
        take(source.read(true), true);
        return keys(CLUSTER);
    }

    /** How often a secret unrelated to the one held was taken: a refused node joins again when this changes. */
    synchronized int replacements() {
        return replacements;
    }

    /** Reads the files again while the node runs, and lets a node alone try its other key now and then. */
    void check() {
        boolean tell;
        synchronized (this) {
            if (current == null) {
                return; // the first join attempt reads them
            }
            boolean changed = false;
            try {
                ClusterSecret.Held held = source.read(false);
                readProblem = "";
                changed = take(held, false);
            } catch (IOException | RuntimeException e) {
                String problem = String.valueOf(e.getMessage());
                if (!problem.equals(readProblem)) {
                    LOG.error("Node {} cannot read its cluster secrets now ({}); it keeps the ones it holds", nodeName,
                            problem);
                }
                readProblem = problem;
            }
            for (Channel channel : channels.values()) {
                if (channel.others.isEmpty() && next != null && ++channel.aloneChecks % ALONE_CHECKS_PER_KEY == 0) {
                    channel.aloneFlipped = !channel.aloneFlipped;
                }
            }
            settle();
            tell = changed || ++checks % ANNOUNCE_EVERY_CHECKS == 0;
        }
        if (tell) {
            listeners.forEach(Runnable::run);
        }
    }

    /** Takes what the files say; true when what this node holds changed. */
    private boolean take(ClusterSecret.Held held, boolean joining) {
        ClusterKeys readCurrent = ClusterKeys.derive(held.current(), domain);
        ClusterKeys readNext = held.next() == null ? null : ClusterKeys.derive(held.next(), domain);
        if (readNext != null && readNext.sameAs(readCurrent)) {
            readNext = null;
        }
        nextSource = held.nextSource();
        String problem = held.nextProblem() == null ? "" : held.nextProblem();
        if (!problem.isEmpty() && !problem.equals(nextProblem)) {
            LOG.error("Node {} cannot use its next cluster secret ({}); it goes on with its current one", nodeName,
                    problem);
        }
        nextProblem = problem;
        boolean changed = false;
        if (current == null || !readCurrent.sameAs(current)) {
            ClusterKeys promoted = readCurrent.sameAs(next) ? next : readCurrent.sameAs(lastNext) ? lastNext : null;
            if (current != null && promoted != null) {
                if (!promotionWaits) {
                    next = promoted;
                    promotionWaits = true;
                    changed = true;
                }
                readNext = null; // the file's next, if any, waits for the promotion to end
            } else if (current != null && !joining && !allAlone()) {
                String refusal = "Node " + nodeName + " ignores its changed cluster secret (key id " + readCurrent.id()
                        + "): it was not this node's next secret, and sealing with it would cut the node off from the "
                        + "others; put the secret it holds back in cluster.secret and the new one in " + held.nextSource()
                        + " on every node (README: Rotating the cluster secret), or restart the node to take it";
                if (!refusal.equals(refusedChange)) {
                    LOG.error(refusal);
                }
                refusedChange = refusal;
                return false;
            } else {
                if (current != null) {
                    replacements++;
                }
                current = readCurrent;
                next = null;
                promotionWaits = false;
                changed = true;
            }
        }
        refusedChange = "";
        if (promotionWaits) {
            settle();
            return changed;
        }
        if (readNext == null && next != null && !joining && ++nextMissingReads < 2) {
            readNext = next; // gone for one read only: perhaps moved over cluster.secret between the two reads
        } else if (readNext != null || next == null) {
            nextMissingReads = 0;
        }
        if (readNext == null ? next != null : !readNext.sameAs(next)) {
            if (readNext != null) {
                LOG.info("Node {} holds the next cluster secret (key id {}, {}): it accepts both; it seals with the next "
                        + "one once every member holds it", nodeName, readNext.id(), held.nextSource());
                lastNext = readNext;
            } else if (!changed) {
                LOG.info("Node {} no longer holds a next cluster secret: it seals and accepts key id {} only", nodeName,
                        current.id());
            }
            next = readNext;
            changed = true;
        }
        settle();
        return changed;
    }

    private boolean allAlone() {
        return channels.values().stream().allMatch(channel -> channel.others.isEmpty());
    }

    /** The members of a channel besides this node, by name. */
    synchronized void channelView(String channelName, Set<String> othersNow) {
        channel(channelName).others = Set.copyOf(othersNow);
        if (!othersNow.isEmpty()) {
            channel(channelName).aloneChecks = 0;
        }
        settle();
    }

    /** The cluster's view: what members no longer in it (or now at another address) said is forgotten. */
    synchronized void clusterView(Map<Address, String> othersNow) {
        saidByMember.entrySet().removeIf(said -> !said.getValue().address().equals(addressOf(othersNow, said.getKey())));
        channelView(CLUSTER, Set.copyOf(othersNow.values()));
    }

    private static Address addressOf(Map<Address, String> members, String name) {
        for (Map.Entry<Address, String> member : members.entrySet()) {
            if (member.getValue().equals(name)) {
                return member.getKey();
            }
        }
        return null;
    }

    /** A member said which keys it holds. */
    void heard(String member, Address address, ClusterMessage message) {
        Properties said = new Properties();
        try {
            said.load(new StringReader(new String(message.payload(), StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException unreadable) {
            LOG.warn("Ignored an unreadable {} message from {}: {}", MESSAGE_TYPE, member, unreadable.getMessage());
            return;
        }
        // later versions may add fields; only "held" matters here
        Set<String> held = Set.copyOf(Arrays.asList(said.getProperty("held", "").split(",")));
        synchronized (this) {
            saidByMember.put(member, new Said(address, held));
            settle();
        }
    }

    /**
     * A node answered this one, alone in {@code channelName}, that it cannot open a message sealed
     * with key {@code keyId}: if that is the key it tries now, it tries the other one.
     */
    synchronized void refused(String channelName, String keyId) {
        Channel channel = channel(channelName);
        KeySet now = published.get(channelName);
        if (next != null && channel.others.isEmpty() && now != null && now.sealing().id().equals(keyId)) {
            channel.aloneFlipped = !channel.aloneFlipped;
            channel.aloneChecks = 0;
            settle();
        }
    }

    /** What this node tells the others: the ids of the keys it accepts. */
    ClusterMessage announcement() {
        KeySet now = published.get(CLUSTER);
        List<String> ids = now == null ? List.of() : now.accepted().stream().map(ClusterKeys::id).toList();
        return new ClusterMessage(MESSAGE_TYPE, MESSAGE_VERSION,
                ("format=1\nheld=" + String.join(",", ids) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Chooses each channel's key to seal with, ends a waiting promotion when it can, and publishes the keys. */
    private void settle() {
        if (current == null) {
            return;
        }
        if (promotionWaits && (channel(CLUSTER).others.isEmpty() || everyOtherSays(channel(CLUSTER), next, true))) {
            retire(current);
            LOG.info("Node {} now holds only the new cluster secret (key id {}): it retired key id {}; once every node "
                    + "has done the same, a node holding only the old secret is refused", nodeName, next.id(),
                    current.id());
            current = next;
            next = null;
            promotionWaits = false;
        }
        List<ClusterKeys> accepted = next == null ? List.of(current) : List.of(current, next);
        Map<String, KeySet> settled = new HashMap<>();
        for (Map.Entry<String, Channel> entry : channels.entrySet()) {
            Channel channel = entry.getValue();
            ClusterKeys choice = choose(channel);
            KeySet before = published.get(entry.getKey());
            if (before != null && !before.sealing().sameAs(choice) && !channel.others.isEmpty()) {
                LOG.info("Node {} seals its {} channel with {} cluster secret (key id {})", nodeName, entry.getKey(),
                        choice == next ? "the next" : "its current", choice.id());
            }
            settled.put(entry.getKey(), new KeySet(choice, accepted, List.copyOf(retired)));
        }
        published = Map.copyOf(settled);
    }

    private ClusterKeys choose(Channel channel) {
        if (next == null) {
            channel.lastAmongOthers = current;
            return current;
        }
        if (!channel.others.isEmpty()) {
            // to the next secret once everyone said they hold it; back only when someone says they do not
            boolean sealingNext = next.sameAs(channel.lastAmongOthers);
            ClusterKeys choice = everyOtherSays(channel, next, !sealingNext) ? next : current;
            channel.lastAmongOthers = choice;
            return choice;
        }
        ClusterKeys first = next.sameAs(channel.lastAmongOthers) || !current.sameAs(channel.lastAmongOthers)
                ? next : current;
        return channel.aloneFlipped ? (first == next ? current : next) : first;
    }

    /**
     * Whether every other member of the channel said it holds {@code keys}; with {@code heardOnly}
     * false, a member that has said nothing yet does not count against it.
     */
    private boolean everyOtherSays(Channel channel, ClusterKeys keys, boolean heardOnly) {
        return lacking(channel, keys, heardOnly).isEmpty();
    }

    /** The other members of the channel not known to hold {@code keys} (with {@code heardOnly}, the silent ones too). */
    private List<String> lacking(Channel channel, ClusterKeys keys, boolean heardOnly) {
        List<String> lacking = new ArrayList<>();
        for (String member : channel.others) {
            Said said = saidByMember.get(member);
            if (said == null ? heardOnly : !said.ids().contains(keys.id())) {
                lacking.add(member);
            }
        }
        return lacking;
    }

    private void retire(ClusterKeys old) {
        retired.addFirst(old);
        while (retired.size() > RETIRED_KEPT) {
            retired.removeLast();
        }
    }

    private Channel channel(String name) {
        return channels.computeIfAbsent(name, n -> new Channel());
    }

    /** For {@code status.sh --json}: the key ids, which one seals, and who lacks the next one. */
    synchronized Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        KeySet cluster = published.get(CLUSTER);
        if (cluster == null) {
            return status;
        }
        status.put("keyId", current.id());
        status.put("sealingWith", cluster.sealing() == current ? "current" : "next");
        if (next != null) {
            status.put("nextKeyId", next.id());
            status.put("nextFrom", nextSource);
            if (promotionWaits) {
                status.put("retiringWhenAllHoldNext", true);
            }
            List<String> without = lacking(channel(CLUSTER), next, true);
            without.sort(null);
            status.put("membersWithoutNext", without);
        }
        if (!retired.isEmpty()) {
            status.put("retiredKeyIds", retired.stream().map(ClusterKeys::id).toList());
        }
        return status;
    }
}
