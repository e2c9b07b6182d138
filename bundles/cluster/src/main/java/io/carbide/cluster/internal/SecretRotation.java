package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMessage;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jgroups.Address;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a running node from one cluster secret to the next without leaving its domain.
 *
 * <p>The operator's sequence (README, "Rotating the cluster secret"):
 * <ol>
 * <li>put the new secret in {@code conf/cluster.secret.next} on every node, in any order and
 * without restarts: a node that holds it accepts messages and join proofs under both secrets;</li>
 * <li>the fleet then seals with the next secret by itself: each node does once every other member
 * of its view has said it holds it (the {@value #MESSAGE_TYPE} message, which carries key ids,
 * never keys);</li>
 * <li>once {@code status.sh --json} shows {@code sealingWith: next} everywhere, on every node
 * move {@code cluster.secret.next} over {@code cluster.secret}: the node then holds only the new
 * secret. The window is over when the last node has; a node that still holds only the old secret
 * is refused, and a node that retired that secret says so in its refusal.</li>
 * </ol>
 *
 * <p>A node alone (starting, or refused) seals with the next secret, as new joins should, and with
 * the other one after a node refused it for the secret, so it finds its way in from either side of
 * the window. A changed {@code cluster.secret} that was not this node's next secret is taken only
 * while the node is alone; in a view with others it is refused with a line that names the way to
 * rotate, since sealing with it would cut the node off.
 */
@Component(service = SecretRotation.class)
public final class SecretRotation {

    /** Each member tells the others which keys it holds: sent on every view change and every change here. */
    static final String MESSAGE_TYPE = "cluster.keys";
    static final int MESSAGE_VERSION = 1;
    private static final long CHECK_SECONDS = 2;
    private static final int RETIRED_KEPT = 2;
    private static final Logger LOG = LoggerFactory.getLogger(SecretRotation.class);

    /** Where the secrets come from: the node's files and environment, or a test's. */
    interface SecretSource {
        ClusterSecret.Held read(boolean mayGenerate) throws IOException;
    }

    private final String nodeName;
    private final String domain;
    private final SecretSource source;
    private final ScheduledExecutorService checker;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** What the other members said they hold, by their address (a restarted member comes with a new one). */
    private final Map<Address, Set<String>> heldByMember = new ConcurrentHashMap<>();
    private final Deque<ClusterKeys> retired = new ArrayDeque<>();
    private volatile Set<Address> others = Set.of();
    private volatile KeySet keys;
    private ClusterKeys current;
    private ClusterKeys next;
    private String nextSource = "";
    private boolean nextWhileAlone = true;
    private String lastProblem = "";

    @Activate
    public SecretRotation(@Reference NodeIdentity node, BundleContext context) {
        this(node.name(), ClusterSettings.from(context, node).domain(),
                mayGenerate -> ClusterSecret.load(node, ClusterSettings.from(context, node).allowWeakSecret(), mayGenerate),
                true);
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

    @Deactivate
    void stop() {
        if (checker != null) {
            checker.shutdownNow();
        }
    }

    /** The keys to use now; null before the first {@link #joining}. */
    KeySet keys() {
        return keys;
    }

    /** The keys, read first if nothing has read them yet (the managers' channel may start before the cluster's). */
    synchronized KeySet loaded() throws IOException {
        if (keys == null) {
            take(source.read(true));
        }
        return keys;
    }

    /** Told when what this node holds or seals with changes, so it can tell the others. */
    void onChange(Runnable listener) {
        listeners.add(listener);
    }

    void forget(Runnable listener) {
        listeners.remove(listener);
    }

    /** A join attempt: the node is alone, reads its secrets (a first one may be generated) and takes them as they are. */
    synchronized KeySet joining() throws IOException {
        others = Set.of();
        take(source.read(true));
        return keys;
    }

    /** Reads the files again while the node runs; a problem is logged once and the keys held stay. */
    void check() {
        ClusterSecret.Held held;
        try {
            held = source.read(false);
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                String problem = String.valueOf(e.getMessage());
                if (!problem.equals(lastProblem) && keys != null) {
                    LOG.error("Node {} cannot read its cluster secrets now ({}); it keeps the ones it holds", nodeName,
                            problem);
                }
                lastProblem = problem;
            }
            return;
        }
        boolean changed;
        synchronized (this) {
            lastProblem = "";
            if (keys == null) {
                return; // the first join attempt reads them
            }
            changed = take(held);
        }
        if (changed) {
            listeners.forEach(Runnable::run);
        }
    }

    /** Takes what the files say; true when what this node holds changed. */
    private synchronized boolean take(ClusterSecret.Held held) {
        ClusterKeys readCurrent = ClusterKeys.derive(held.current(), domain);
        ClusterKeys readNext = held.next() == null ? null : ClusterKeys.derive(held.next(), domain);
        if (readNext != null && readNext.sameAs(readCurrent)) {
            readNext = null;
        }
        boolean changed = false;
        if (current == null || !readCurrent.sameAs(current)) {
            if (current != null && next != null && readCurrent.sameAs(next)) {
                retire(current);
                LOG.info("Node {} now holds only the next cluster secret (key id {}): it retired key id {}; once every "
                        + "node has done the same, a node holding only the old secret is refused", nodeName,
                        readCurrent.id(), current.id());
            } else if (current != null && !others.isEmpty()) {
                String refusal = "Node " + nodeName + " ignores its changed cluster secret (key id " + readCurrent.id()
                        + "): it was not this node's next secret, and sealing with it would cut the node off from the "
                        + others.size() + " other member(s); to rotate without downtime put the new secret in "
                        + held.nextSource() + " on every node first (README: Rotating the cluster secret), or restart "
                        + "the node to take it";
                if (!refusal.equals(lastProblem)) {
                    LOG.error(refusal);
                }
                lastProblem = refusal;
                return false;
            }
            current = readCurrent;
            changed = true;
        }
        if (readNext == null ? next != null : !readNext.sameAs(next)) {
            if (readNext != null) {
                LOG.info("Node {} holds the next cluster secret (key id {}, {}): it accepts both; it seals with the next "
                        + "one once every member of its view holds it", nodeName, readNext.id(), held.nextSource());
            } else if (!changed) {
                LOG.info("Node {} no longer holds a next cluster secret: it seals and accepts key id {} only", nodeName,
                        current.id());
            }
            next = readNext;
            nextWhileAlone = true;
            changed = true;
        }
        nextSource = held.nextSource();
        settle();
        return changed;
    }

    private void retire(ClusterKeys old) {
        retired.addFirst(old);
        while (retired.size() > RETIRED_KEPT) {
            retired.removeLast();
        }
    }

    /** The members of the view besides this node; what members no longer in it said is forgotten. */
    void viewIs(Set<Address> othersNow) {
        synchronized (this) {
            others = Set.copyOf(othersNow);
            heldByMember.keySet().retainAll(others);
            settle();
        }
    }

    /** Another member said which keys it holds. */
    void heard(Address member, ClusterMessage message) {
        Properties said = new Properties();
        try {
            said.load(new StringReader(new String(message.payload(), StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException unreadable) {
            LOG.warn("Ignored an unreadable {} message from {}: {}", MESSAGE_TYPE, member, unreadable.getMessage());
            return;
        }
        // later versions may add fields; only "held" matters here
        Set<String> held = Set.copyOf(java.util.Arrays.asList(said.getProperty("held", "").split(",")));
        synchronized (this) {
            heldByMember.put(member, held);
            settle();
        }
    }

    /** A node answered this one, alone, that it cannot open its messages: try the other secret next time. */
    synchronized void refusedWhileAlone() {
        if (next != null && others.isEmpty()) {
            nextWhileAlone = !nextWhileAlone;
            settle();
        }
    }

    /** What this node tells the others: the ids of the keys it accepts. */
    ClusterMessage announcement() {
        KeySet now = keys;
        List<String> ids = now == null ? List.of() : now.accepted().stream().map(ClusterKeys::id).toList();
        return new ClusterMessage(MESSAGE_TYPE, MESSAGE_VERSION,
                ("format=1\nheld=" + String.join(",", ids) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Chooses the key to seal with, and publishes the keys for the channels. */
    private void settle() {
        if (current == null) {
            return;
        }
        ClusterKeys sealWith = current;
        if (next != null && (others.isEmpty() ? nextWhileAlone : everyOtherHolds(next))) {
            sealWith = next;
        }
        KeySet before = keys;
        keys = new KeySet(sealWith, next == null ? List.of(current) : List.of(current, next), List.copyOf(retired));
        if (before != null && before.sealing() != sealWith && !others.isEmpty()) {
            LOG.info(sealWith == next
                    ? "Node {} seals with the next cluster secret (key id {}): every member of its view holds it"
                    : "Node {} seals with its current cluster secret (key id {}): not every member of its view holds "
                            + "the next one", nodeName, sealWith.id());
        }
    }

    private boolean everyOtherHolds(ClusterKeys keys) {
        for (Address member : others) {
            if (!heldByMember.getOrDefault(member, Set.of()).contains(keys.id())) {
                return false;
            }
        }
        return true;
    }

    /** For {@code status.sh --json}: the key ids, which one seals, and who lacks the next one. */
    synchronized Map<String, Object> status(Function<Address, String> names) {
        Map<String, Object> status = new LinkedHashMap<>();
        KeySet now = keys;
        if (now == null) {
            return status;
        }
        status.put("keyId", current.id());
        status.put("sealingWith", now.sealing() == current ? "current" : "next");
        if (next != null) {
            status.put("nextKeyId", next.id());
            status.put("nextFrom", nextSource);
            List<String> without = new ArrayList<>();
            for (Address member : others) {
                if (!heldByMember.getOrDefault(member, Set.of()).contains(next.id())) {
                    without.add(names.apply(member));
                }
            }
            status.put("membersWithoutNext", without);
        }
        if (!retired.isEmpty()) {
            status.put("retiredKeyIds", retired.stream().map(ClusterKeys::id).toList());
        }
        return status;
    }
}
