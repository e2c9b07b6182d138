package io.carbide.cluster.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.MembershipListener;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.SubDomain;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Readiness;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.AUTH;
import org.jgroups.util.ExtendedUUID;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's membership in its cluster domain, on a JGroups channel. It joins in the background
 * so the node starts serving at once; describes itself to the others through its JGroups address
 * (see {@link MemberCodec}); logs every view in one readable line; and carries typed messages in
 * {@link Envelope}s, handing them to the {@link MessageHandler} registered for their type. A
 * malformed or unknown message is logged and dropped: it never reaches a handler or stops the node.
 */
@Component(service = {Cluster.class, NodeStatusContributor.class}, immediate = true,
        property = NodeStatusContributor.SECTION_PROPERTY + "=cluster")
public class JGroupsCluster implements Cluster, Receiver, NodeStatusContributor {

    private static final Logger LOG = LoggerFactory.getLogger(JGroupsCluster.class);

    static {
        printAddressesByName();
    }

    /**
     * Addresses print as the node's name in JGroups' own log lines, not with the bytes they carry.
     * JGroups keeps one print function for the whole JVM, and RAFT sets its own on connect, so the
     * managers' channel calls this again after it has.
     */
    static void printAddressesByName() {
        ExtendedUUID.setPrintFunction(address -> {
            String name = org.jgroups.util.NameCache.get(address);
            return name != null ? name : address.toStringLong();
        });
    }

    /** First wait before a failed or refused join is tried again; it doubles up to the maximum. */
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 30_000;
    /** A refusal counts this long: the nodes that refuse answer every discovery round, a few seconds apart. */
    private static final long REFUSAL_HOLDS_SECONDS = 20;

    private final NodeIdentity node;
    /** The system bundle: ACTIVE once the framework has started every bundle of this node. */
    private final org.osgi.framework.Bundle framework;
    private final ClusterSettings settings;
    private final ClusterMember self;
    /** Handlers by message type: a one-way message reaches each of them, a request the first. */
    private final Map<String, List<MessageHandler>> handlers = new ConcurrentHashMap<>();
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    private final PendingRequests requests = new PendingRequests();
    private final UnansweredRequests unanswered = new UnansweredRequests();
    // view changes reach listeners in order, off the JGroups thread that must not block
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> daemon(r, "carbide-cluster-events"));
    // a handler may itself wait on a request to another node (a manager asked to hold an upload's
    // bytes fetches them from the uploader), so a few slow ones must not take every thread
    private final ExecutorService requestWorkers = Executors.newFixedThreadPool(16,
            r -> daemon(r, "carbide-cluster-requests"));
    private final Object joinLock = new Object();
    private volatile ClusterView view;
    private volatile Map<Address, ClusterMember> byAddress = Map.of();
    private volatile JoinState state = JoinState.JOINING;
    private volatile String problem = "";
    private volatile boolean leaving;
    private volatile JChannel channel;
    private volatile ClusterSeal seal;
    /** The latest refusal while alone, and when; see {@link #refused}. */
    private volatile String refusal;
    private volatile long refusedAt;
    private final SecretRotation secrets;
    private final org.osgi.framework.ServiceRegistration<SecretRotation> secretsRegistration;
    /** Bulk content beside the cluster channel, under the same keys; announced in this node's member description. */
    private final ContentPort content;
    private final org.osgi.framework.ServiceRegistration<io.carbide.cluster.ContentChannel> contentRegistration;
    /** How many secrets unrelated to the one held the node had taken when it last joined: a refused node joins again once it takes another. */
    private volatile int joinedWith;
    private Thread joiner;
    /** Leaves a domain where this node's name was taken; {@link #leave} waits for it as for the joiner. */
    private volatile Thread duplicateLeaver;
    private final Runnable keysChanged = () -> {
        if (!events.isShutdown()) {
            onEvents(this::announceKeys);
        }
    };

    /** Where the node stands with its domain; only {@code JOINED} exchanges messages. */
    private enum JoinState {
        DISABLED, JOINING, JOINED, REFUSED, FAILED, STOPPED
    }

    @Activate
    public JGroupsCluster(@Reference NodeIdentity node, BundleContext context) {
        this.node = node;
        this.framework = context.getBundle(0);
        this.settings = ClusterSettings.from(context, node);
        this.secrets = new SecretRotation(node, settings);
        // the managers' channel follows the same rotation; a service of this bundle's own, not a component of its
        // own, so that this component starts as early as it always did (its handlers bind to it as it starts)
        this.secretsRegistration = context.registerService(SecretRotation.class, secrets, null);
        String managersAddress = "";
        String unusable = settings.problem();
        if (node.hasRole(io.carbide.node.Role.MANAGER)) {
            try {
                managersAddress = settings.bindAddress() + ":" + ManagersSettings.port(context, node);
            } catch (IllegalArgumentException wrong) {
                unusable = wrong.getMessage() + ": fix it in conf/carbide.properties (or the -D option) and restart node "
                        + node.name() + (unusable.isEmpty() ? "" : "; " + unusable);
            }
        }
        this.content = new ContentPort(node.name(), settings.bindAddress(),
                settings.enabled() && unusable.isEmpty() ? settings.contentPort() : ClusterSettings.NO_CONTENT_PORT,
                () -> secrets.keys(SecretRotation.CLUSTER), () -> view);
        this.self = new ClusterMember(node.name(), SubDomain.of(node.roles()), node.profile(),
                "http://" + settings.bindAddress() + ":" + node.clientPort(),
                node.managementUrl(), node.version(), System.currentTimeMillis(), managersAddress, content.address());
        this.view = new ClusterView(settings.domain(), 0, List.of(self), self, false);
        this.contentRegistration = context.registerService(io.carbide.cluster.ContentChannel.class, content, null);
        secrets.onChange(keysChanged);
        if (!settings.enabled()) {
            state = JoinState.DISABLED;
            LOG.info("Clustering is off on node {} (carbide.cluster.enabled=false)", node.name());
            return;
        }
        if (!unusable.isEmpty()) {
            // out of its cluster until restarted with a setting it can use; /health says why
            problem = unusable;
            state = JoinState.FAILED;
            LOG.error("Node {} does not join cluster domain {}: {}", node.name(), settings.domain(), problem);
            return;
        }
        // Join at once, on its own thread: setting up the stack (mostly class loading) then runs on
        // the second core while the framework starts the remaining bundles.
        joiner = daemon(this::joinUntilJoined, "carbide-cluster-join");
        joiner.start();
    }

    /**
     * Joins, and when the domain refuses this node (wrong secret, name taken) or the join fails
     * (port in use), tries again with a growing wait, so a cause fixed later heals without a
     * restart. Each new problem is logged once. Once joined it waits, in case the node has to
     * leave and join again (see {@link #leaveForDuplicateName}).
     */
    private void joinUntilJoined() {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        // JGroups loads protocol classes by name; they live in this bundle
        Thread.currentThread().setContextClassLoader(JGroupsCluster.class.getClassLoader());
        try {
            long wait = FIRST_RETRY_MILLIS;
            while (!leaving) {
                if (state == JoinState.JOINED && refusedLately() && secretChanged()) {
                    LOG.info("Node {} has a new cluster secret: it joins cluster domain {} again", node.name(),
                            settings.domain());
                    closeChannel();
                    state = JoinState.JOINING;
                }
                boolean joined = state == JoinState.JOINED || joinOnce();
                // a node refused by the others stays in its channel (a refusal may be forged), but looks
                // at its secret now and then: once the operator has fixed it, it joins again with it
                boolean watching = joined && refusedLately();
                synchronized (joinLock) {
                    if (!leaving) {
                        joinLock.wait(joined && !watching ? 0 : wait);
                    }
                }
                wait = joined && !watching ? FIRST_RETRY_MILLIS : Math.min(MAX_RETRY_MILLIS, wait * 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /**
     * One attempt; true once joined. The secret is read again each time, so a node refused for
     * another secret joins once its file is fixed, without a restart.
     */
    private boolean joinOnce() {
        long started = System.nanoTime();
        try {
            secrets.joining();
            joinedWith = secrets.replacements();
        } catch (java.io.IOException e) {
            fail(JoinState.FAILED, "cannot use the cluster secret: " + e.getMessage());
            return false;
        }
        JChannel created = null;
        try {
            ClusterSeal.KEYS.set(new ClusterSeal.Keying(SecretRotation.CLUSTER,
                    () -> secrets.keys(SecretRotation.CLUSTER)));
            try {
                created = new JChannel(new ByteArrayInputStream(StackFile.read(settings)));
            } finally {
                ClusterSeal.KEYS.remove();
            }
            if (!(created.getProtocolStack().getBottomProtocol().getUpProtocol() instanceof ClusterSeal seal)) {
                throw new IllegalStateException("stack " + settings.stackFile() + " lacks <" + ClusterSeal.class.getName()
                        + "/> first above the transport; cluster traffic must be sealed");
            }
            AUTH auth = created.getProtocolStack().findProtocol(AUTH.class);
            if (!(auth instanceof MemberAuth) || !(auth.getAuthToken() instanceof SharedSecretToken token)) {
                throw new IllegalStateException("stack " + settings.stackFile() + " lacks <" + MemberAuth.class.getName()
                        + " auth_class=\"" + SharedSecretToken.class.getName() + "\"/>; nodes must prove they hold the "
                        + "cluster secret, and names must be unique");
            }
            token.configure(() -> secrets.keys(SecretRotation.CLUSTER), settings.domain());
            refusal = null;
            seal.onRefusal(this::refused);
            this.seal = seal;
            created.name(node.name());
            created.addAddressGenerator(() -> ExtendedUUID.randomUUID(node.name())
                    .put(MemberCodec.ADDRESS_KEY, MemberCodec.encode(self)));
            created.setDiscardOwnMessages(true);
            created.setReceiver(this);
            channel = created;
            if (leaving) {
                closeChannel();
                return true;
            }
            long connecting = System.nanoTime();
            created.connect(settings.domain());
            if (leaving) {
                return true;
            }
            state = JoinState.JOINED;
            problem = "";
            onEvents(this::announceKeys); // what it said while connecting may not have gone out
            LOG.info("Node {} joined cluster domain {} on {}:{} in {} ms (stack set up in {} ms)", node.name(),
                    settings.domain(), settings.bindAddress(), settings.port(), (System.nanoTime() - connecting) / 1_000_000,
                    (connecting - started) / 1_000_000);
            return true;
        } catch (SecurityException refused) {
            closeChannel();
            fail(JoinState.REFUSED, "refused by cluster domain " + settings.domain() + ": " + refused.getMessage());
        } catch (Exception e) {
            closeChannel();
            fail(JoinState.FAILED, "could not join cluster domain " + settings.domain() + " on " + settings.bindAddress()
                    + ":" + settings.port() + ": " + e.getMessage());
        }
        return false;
    }

    /**
     * Another node could not authenticate one of this node's messages and said so. Only a node that
     * is alone takes it into account, and only as a reason: its {@code /health} says {@code refused}
     * with it while refusals keep coming, and it keeps its channel, so that a forged refusal cannot
     * stop a join; once its secret file changes it joins again with the new secret.
     */
    private void refused(ClusterSeal.Refusal refusal) {
        if (view.members().size() > 1 || state != JoinState.JOINED && state != JoinState.JOINING) {
            return;
        }
        String why = "refused by cluster domain " + settings.domain() + ": " + (refusal.wireFormat()
                ? refusal.said() + "; run one Carbide version on every node of the domain"
                : "wrong secret: " + refusal.said() + "; give this node the same conf/cluster.secret (or "
                        + "CARBIDE_CLUSTER_SECRET) as the other nodes of the domain");
        if (!why.equals(this.refusal)) {
            LOG.error("Node {} was {}; it keeps serving what it has and tries again", node.name(), why);
        }
        if (!refusal.wireFormat() && refusal.keyId() != null) {
            // during a rotation: the other side of the window may hold the other secret
            secrets.refused(SecretRotation.CLUSTER, refusal.keyId());
        }
        this.refusal = why;
        refusedAt = System.nanoTime();
    }

    /** Whether a refusal came lately while this node is alone: then it counts as refused. */
    private boolean refusedLately() {
        return refusal != null && view.members().size() == 1
                && System.nanoTime() - refusedAt < TimeUnit.SECONDS.toNanos(REFUSAL_HOLDS_SECONDS);
    }

    private boolean secretChanged() {
        return secrets.replacements() != joinedWith;
    }

    private void fail(JoinState failed, String why) {
        if (!why.equals(problem)) {
            LOG.error("Node {} {}{}; it keeps serving what it has and tries again", node.name(),
                    failed == JoinState.REFUSED ? "was " : "", why);
        }
        problem = why;
        state = failed;
    }

    @Deactivate
    void leave() {
        leaving = true;
        secrets.stop(); // its own: nothing else listens to it or reads its files
        for (org.osgi.framework.ServiceRegistration<?> registration : List.of(secretsRegistration, contentRegistration)) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping: the framework took it back
            }
        }
        content.close();
        synchronized (joinLock) {
            joinLock.notifyAll();
        }
        closeChannel();
        // a join under way ends once its channel is closed; neither thread may outlive this bundle's classes
        boolean interrupted = Thread.interrupted(); // each wait below waits even when the stop comes interrupted
        for (Thread thread : java.util.Arrays.asList(joiner, duplicateLeaver)) {
            if (thread != null) {
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        requests.failAll("node " + node.name() + " is leaving the cluster");
        events.shutdown();
        requestWorkers.shutdownNow();
        try {
            // listeners told of a last view, keys announced: done before this bundle's classes go
            events.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
            // and no handler left at work (a manager taking a blob for another runs the repository's code)
            requestWorkers.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        state = JoinState.STOPPED;
    }

    /**
     * Hands a step to the events thread from JGroups' (a view) or the join's. A view can still
     * arrive as the node leaves: its steps are dropped then, never thrown back at JGroups.
     */
    private void onEvents(Runnable step) {
        try {
            events.execute(step);
        } catch (java.util.concurrent.RejectedExecutionException leavingNow) {
            LOG.debug("Node {} is leaving: a step after a view is dropped", node.name());
        }
    }

    private void closeChannel() {
        JChannel current = channel;
        channel = null;
        if (current != null) {
            current.close();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addHandler(MessageHandler handler, Map<String, Object> properties) {
        List<String> types = types(properties);
        if (types.isEmpty()) {
            LOG.warn("Ignored a message handler ({}) without the {} service property", handler.getClass().getName(),
                    MessageHandler.TYPE);
        }
        types.forEach(type -> handlers.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>()).add(handler));
    }

    void removeHandler(MessageHandler handler, Map<String, Object> properties) {
        types(properties).forEach(type -> handlers.getOrDefault(type, List.of()).remove(handler));
    }

    /** The message types a handler takes: one string or several. */
    private static List<String> types(Map<String, Object> properties) {
        Object value = properties.get(MessageHandler.TYPE);
        if (value instanceof String[] several) {
            return List.of(several);
        }
        if (value instanceof java.util.Collection<?> several) {
            return several.stream().map(String::valueOf).toList();
        }
        return value == null ? List.of() : List.of(value.toString());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(MembershipListener listener) {
        listeners.add(listener);
        ClusterView current = view;
        onEvents(() -> notify(listener, current));
    }

    void removeListener(MembershipListener listener) {
        listeners.remove(listener);
    }

    // ---- membership

    @Override
    public void viewAccepted(View jgroupsView) {
        JChannel current = channel;
        if (leaving || current == null) {
            // the channel is closing (the node stops, or leaves to join again): its views no longer count, and
            // without its own address this node would take itself for another member of its name
            return;
        }
        Map<Address, ClusterMember> members = new LinkedHashMap<>();
        for (Address address : jgroupsView.getMembers()) {
            members.put(address, describe(address));
        }
        List<ClusterMember> ordered = List.copyOf(members.values());
        // a merge can bring together two members of one name (joins are checked by MemberAuth): the younger leaves
        Address own = current.getAddress();
        for (Map.Entry<Address, ClusterMember> member : members.entrySet()) {
            if (member.getKey().equals(own)) {
                break;
            }
            if (member.getValue().name().equals(node.name())) {
                leaveForDuplicateName(member.getKey(), member.getValue());
                return;
            }
        }
        install(new ClusterView(settings.domain(), jgroupsView.getViewId().getId(), ordered, self,
                jgroupsView instanceof MergeView), members);
    }

    private void install(ClusterView next, Map<Address, ClusterMember> members) {
        if (next.members().size() > 1) {
            refusal = null; // in a view with others: whatever a stranger said no longer counts
        }
        byAddress = members;
        view = next;
        LOG.info(ViewDescriptions.logLine(next));
        JChannel current = channel;
        Address own = current == null ? null : current.getAddress();
        Map<Address, String> others = new LinkedHashMap<>();
        members.forEach((address, member) -> {
            if (!address.equals(own)) {
                others.put(address, member.name());
            }
        });
        secrets.clusterView(others);
        if (members.size() > 1) {
            onEvents(this::announceKeys); // newcomers learn what this node holds; it learns theirs in turn
        }
        requests.membersLeft(next.members().stream().map(ClusterMember::name).collect(Collectors.toSet()));
        for (MembershipListener listener : listeners) {
            onEvents(() -> notify(listener, next));
        }
    }

    /** Leaves the domain (off JGroups' thread) and lets the join loop try again later. */
    private void leaveForDuplicateName(Address olderAddress, ClusterMember older) {
        Thread under = duplicateLeaver;
        if (under != null && under.isAlive()) {
            return; // already leaving for it; one thread, which leave() waits for
        }
        Object address = physicalAddress(olderAddress);
        Thread leaver = daemon(() -> {
            if (leaving) {
                return; // the node is stopping anyway; nothing is to be installed after it has gone
            }
            closeChannel();
            fail(JoinState.REFUSED, "refused by cluster domain " + settings.domain() + ": the name " + node.name()
                    + " is taken by the member at " + address + " (client port " + older.clientUrl()
                    + "); give this node another -Dnode=NAME, or wait until that member has left");
            install(new ClusterView(settings.domain(), view.id() + 1, List.of(self), self, false), Map.of());
            synchronized (joinLock) {
                joinLock.notifyAll();
            }
        }, "carbide-cluster-leave");
        duplicateLeaver = leaver;
        leaver.start();
    }

    private Object physicalAddress(Address address) {
        JChannel current = channel;
        return current == null ? address : current.down(new org.jgroups.Event(org.jgroups.Event.GET_PHYSICAL_ADDRESS,
                address));
    }

    private ClusterMember describe(Address address) {
        if (address instanceof ExtendedUUID extended && extended.keyExists(MemberCodec.ADDRESS_KEY)) {
            try {
                return MemberCodec.decode(extended.get(MemberCodec.ADDRESS_KEY));
            } catch (java.io.IOException e) {
                LOG.warn("Member {} describes itself in a form this node cannot read ({}); listing it by address",
                        address, e.getMessage());
            }
        }
        return new ClusterMember(String.valueOf(address), java.util.Set.of(), "unknown", "", "", "unknown", 0, "", "");
    }

    private void notify(MembershipListener listener, ClusterView current) {
        try {
            listener.viewChanged(current);
        } catch (RuntimeException e) {
            LOG.warn("A membership listener ({}) failed on view {}: {}", listener.getClass().getName(), current.id(),
                    e.toString());
        }
    }

    // ---- messages

    @Override
    public void receive(Message message) {
        ClusterMember from = byAddress.get(message.getSrc());
        if (from == null && message.getSrc() instanceof ExtendedUUID extended && extended.keyExists(MemberCodec.ADDRESS_KEY)) {
            // a member that just joined can speak before this node has installed the view that lists it;
            // only holders of the cluster secret can send anything that decrypts, so take its own description
            from = describe(message.getSrc());
        }
        String sender = from == null ? String.valueOf(message.getSrc()) : from.name();
        Envelope envelope;
        try {
            envelope = Envelope.decode(message.getArray(), message.getOffset(), message.getLength());
        } catch (Envelope.MalformedEnvelopeException e) {
            LOG.warn("Dropped a malformed cluster message from {}: {}", sender, e.getMessage());
            return;
        }
        if (from == null) {
            LOG.warn("Dropped a {} message from {}, which is not in the current view", envelope.message().type(), sender);
            return;
        }
        switch (envelope.kind()) {
            case REPLY -> requests.replied(envelope.correlation(), envelope.message());
            case FAILURE -> requests.failed(envelope.correlation(),
                    new String(envelope.message().payload(), java.nio.charset.StandardCharsets.UTF_8));
            case ONE_WAY -> dispatch(from, message.getSrc(), envelope);
            case REQUEST -> {
                // a reply may be large and wait for flow-control credits: never on JGroups' delivery thread
                ClusterMember member = from;
                try {
                    requestWorkers.execute(() -> dispatch(member, message.getSrc(), envelope));
                } catch (java.util.concurrent.RejectedExecutionException leavingNow) {
                    LOG.debug("Dropped a {} request from {}: node {} is leaving the cluster", envelope.message().type(),
                            sender, node.name());
                }
            }
        }
    }

    /** Whether the framework is still starting this node's bundles (the system bundle is not ACTIVE yet). */
    private boolean starting() {
        try {
            return framework.getState() != org.osgi.framework.Bundle.ACTIVE;
        } catch (IllegalStateException stopping) {
            return false;
        }
    }

    /** Message types that arrived with no handler here, each warned about once. */
    private final Set<String> unhandledTypes = ConcurrentHashMap.newKeySet();

    private void dispatch(ClusterMember from, Address source, Envelope envelope) {
        ClusterMessage incoming = envelope.message();
        if (incoming.type().equals(SecretRotation.MESSAGE_TYPE)) {
            secrets.heard(from.name(), source, incoming);
            return;
        }
        List<MessageHandler> takers = handlers.getOrDefault(incoming.type(), List.of());
        boolean request = envelope.kind() == Envelope.Kind.REQUEST;
        if (takers.isEmpty()) {
            if (starting()) {
                // the cluster joins while the framework still starts the bundles that handle its messages
                LOG.debug("Dropped a {} message from {}: node {} is starting, its handler is not up yet",
                        incoming.type(), from.name(), node.name());
            } else if (unhandledTypes.add(incoming.type()) || request) {
                // once per type at WARN: a newer node sends kinds this one does not know, every few seconds
                LOG.warn("Dropped a {} message (version {}) from {}: no handler for that type on node {}{}",
                        incoming.type(), incoming.version(), from.name(), node.name(),
                        request ? "" : " (further ones of this type are dropped without a warning)");
            } else {
                LOG.debug("Dropped a {} message from {}: no handler", incoming.type(), from.name());
            }
            if (request) {
                reply(source, envelope, Envelope.Kind.FAILURE, failure("no handler for " + incoming.type() + " on node "
                        + node.name()));
            }
            return;
        }
        for (MessageHandler handler : request ? takers.subList(0, 1) : takers) {
            try {
                ClusterMessage answer = handler.handle(from, incoming);
                if (request) {
                    reply(source, envelope, Envelope.Kind.REPLY,
                            answer == null ? new ClusterMessage(incoming.type() + ".ok", 1, new byte[0]) : answer);
                }
            } catch (Exception e) {
                LOG.warn("Handling a {} message from {} failed: {}", incoming.type(), from.name(), e.toString());
                if (request) {
                    reply(source, envelope, Envelope.Kind.FAILURE, failure(node.name() + ": " + e.getMessage()));
                }
            }
        }
    }

    private static ClusterMessage failure(String reason) {
        return new ClusterMessage("failure", 1, reason.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void reply(Address to, Envelope request, Envelope.Kind kind, ClusterMessage answer) {
        send(to, new Envelope(kind, request.correlation(), answer));
    }

    private boolean send(Address to, Envelope envelope) {
        JChannel current = channel;
        if (current == null || !current.isConnected()) {
            return false;
        }
        try {
            current.send(new BytesMessage(to, envelope.encode()));
            return true;
        } catch (Exception e) {
            LOG.warn("Could not send a {} message to {}: {}", envelope.message().type(), to == null ? "all" : to,
                    e.toString());
            return false;
        }
    }

    /** Tells every member which cluster keys this node holds ({@link SecretRotation}). */
    private void announceKeys() {
        send(null, new Envelope(Envelope.Kind.ONE_WAY, 0, secrets.announcement()));
    }

    @Override
    public void sendToAll(ClusterMessage message) {
        send(null, new Envelope(Envelope.Kind.ONE_WAY, 0, message));
    }

    @Override
    public void sendTo(SubDomain subDomain, ClusterMessage message) {
        Envelope envelope = new Envelope(Envelope.Kind.ONE_WAY, 0, message);
        byAddress.forEach((address, member) -> {
            if (member.isIn(subDomain) && !member.name().equals(self.name())) {
                send(address, envelope);
            }
        });
    }

    @Override
    public boolean sendTo(String memberName, ClusterMessage message) {
        Optional<Address> address = addressOf(memberName);
        return address.isPresent() && send(address.get(), new Envelope(Envelope.Kind.ONE_WAY, 0, message));
    }

    @Override
    public CompletionStage<ClusterMessage> request(String memberName, ClusterMessage message, Duration timeout) {
        CompletableFuture<ClusterMessage> reply = new CompletableFuture<>();
        Optional<Address> address = addressOf(memberName);
        if (address.isEmpty()) {
            reply.completeExceptionally(new IllegalStateException("no member " + memberName + " in cluster domain "
                    + settings.domain()));
            return reply;
        }
        long id = requests.open(memberName, reply, timeout);
        Address to = address.get();
        reply.whenComplete((answer, failure) -> {
            if (failure instanceof java.util.concurrent.TimeoutException) {
                unanswered.timedOut(channel, to, memberName, message.type(), timeout);
            }
        });
        if (!send(address.get(), new Envelope(Envelope.Kind.REQUEST, id, message))) {
            requests.failed(id, "node " + node.name() + " is not connected to cluster domain " + settings.domain());
        }
        return reply;
    }

    @Override
    public String linkTo(String memberName) {
        Optional<Address> address = addressOf(memberName);
        if (address.isEmpty()) {
            return "it is not in this node's view";
        }
        return UnansweredRequests.describedPath(channel, address.get());
    }

    private Optional<Address> addressOf(String memberName) {
        return byAddress.entrySet().stream().filter(e -> e.getValue().name().equals(memberName)).map(Map.Entry::getKey)
                .findFirst();
    }

    // ---- what the rest of the node sees

    @Override
    public String domain() {
        return settings.domain();
    }

    @Override
    public ClusterView view() {
        return view;
    }

    @Override
    public boolean isJoined() {
        return state == JoinState.JOINED;
    }

    @Override
    public boolean isJoining() {
        return state == JoinState.JOINING;
    }

    @Override
    public String discovery() {
        return settings.discovery();
    }

    @Override
    public String section() {
        return "cluster";
    }

    @Override
    public Object status() {
        boolean refused = state == JoinState.JOINED && refusedLately();
        Map<String, Object> status = ViewDescriptions.status(view, refused ? "refused"
                : state.name().toLowerCase(java.util.Locale.ROOT), refused ? refusal : problem);
        ClusterSeal current = seal;
        status.put("wireFormat", (int) ClusterSeal.FORMAT);
        // messages dropped because they did not authenticate (another secret, tampering) or were of the earlier format
        status.put("rejectedMessages", current == null ? 0 : current.rejected());
        status.put("secret", secrets.status());
        status.put("content", content.status());
        return status;
    }

    @Override
    public Map<String, Object> health() {
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("members", new ArrayList<>(view.members().stream().map(ClusterMember::name).toList()));
        return health;
    }

    /**
     * Refused (or unable to join) is a state of its own: a load balancer must not send traffic
     * here. Joining is not: whether a node is current is its deployment's to say (a worker is not
     * before it has heard from a manager), and a manager serves its console meanwhile.
     */
    @Override
    public Readiness readiness() {
        if (state == JoinState.JOINED && refusedLately()) {
            return Readiness.refused(refusal);
        }
        return switch (state) {
            case DISABLED, JOINED, JOINING -> Readiness.ready();
            case REFUSED, FAILED -> Readiness.refused(problem);
            case STOPPED -> Readiness.starting("the node has left cluster domain " + settings.domain());
        };
    }

    /** A daemon thread of this bundle's, not started. */
    static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
