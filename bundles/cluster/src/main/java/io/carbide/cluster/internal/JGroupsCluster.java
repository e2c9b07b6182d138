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
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
        // addresses print as the node's name in JGroups' own log lines, not with the bytes they carry
        ExtendedUUID.setPrintFunction(address -> {
            String name = org.jgroups.util.NameCache.get(address);
            return name != null ? name : address.toStringLong();
        });
    }

    private final NodeIdentity node;
    private final ClusterSettings settings;
    private final ClusterMember self;
    private final Map<String, MessageHandler> handlers = new ConcurrentHashMap<>();
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    private final PendingRequests requests = new PendingRequests();
    // view changes reach listeners in order, off the JGroups thread that must not block
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> daemon(r, "carbide-cluster-events"));
    private final ExecutorService requestWorkers = Executors.newFixedThreadPool(4,
            r -> daemon(r, "carbide-cluster-requests"));
    private volatile ClusterView view;
    private volatile Map<Address, ClusterMember> byAddress = Map.of();
    private volatile String state = "joining";
    private volatile JChannel channel;

    @Activate
    public JGroupsCluster(@Reference NodeIdentity node, BundleContext context) {
        this.node = node;
        this.settings = ClusterSettings.from(context, node);
        this.self = new ClusterMember(node.name(), SubDomain.of(node.roles()), node.profile(),
                "http://" + settings.bindAddress() + ":" + node.clientPort(),
                node.managementUrl(), node.version(),
                System.currentTimeMillis());
        this.view = new ClusterView(settings.domain(), 0, List.of(self), self, Optional.empty(), false);
        if (!settings.enabled()) {
            state = "disabled";
            LOG.info("Clustering is off on node {} (carbide.cluster.enabled=false)", node.name());
            return;
        }
        // Join at once, on its own thread: setting up the stack (mostly class loading) then runs on
        // the second core while the framework starts the remaining bundles.
        daemon(this::join, "carbide-cluster-join").start();
    }

    private void join() {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        // JGroups loads protocol classes by name; they live in this bundle
        Thread.currentThread().setContextClassLoader(JGroupsCluster.class.getClassLoader());
        long started = System.nanoTime();
        try {
            byte[] secret = ClusterSecret.load(node);
            JChannel created;
            SecretEncrypt.KEY.set(SecretEncrypt.deriveKey(secret, settings.domain()));
            try {
                created = new JChannel(new ByteArrayInputStream(StackFile.read(settings)));
            } finally {
                SecretEncrypt.KEY.remove();
            }
            if (created.getProtocolStack().findProtocol(SecretEncrypt.class) == null) {
                created.close();
                throw new IllegalStateException("stack " + settings.stackFile() + " lacks <" + SecretEncrypt.class.getName()
                        + "/>; cluster traffic must be encrypted");
            }
            AUTH auth = created.getProtocolStack().findProtocol(AUTH.class);
            if (auth == null || !(auth.getAuthToken() instanceof SharedSecretToken token)) {
                created.close();
                throw new IllegalStateException("stack " + settings.stackFile() + " lacks <AUTH auth_class=\""
                        + SharedSecretToken.class.getName() + "\"/>; nodes must prove they hold the cluster secret");
            }
            token.configure(secret, settings.domain());
            created.name(node.name());
            created.addAddressGenerator(() -> ExtendedUUID.randomUUID(node.name())
                    .put(MemberCodec.ADDRESS_KEY, MemberCodec.encode(self)));
            created.setDiscardOwnMessages(true);
            created.setReceiver(this);
            channel = created;
            long connecting = System.nanoTime();
            created.connect(settings.domain());
            state = "joined";
            LOG.info("Node {} joined cluster domain {} on {}:{} in {} ms (stack set up in {} ms)", node.name(),
                    settings.domain(), settings.bindAddress(), settings.port(), (System.nanoTime() - connecting) / 1_000_000,
                    (connecting - started) / 1_000_000);
        } catch (SecurityException refused) {
            state = "refused";
            LOG.error("Node {} could not join cluster domain {}: refused ({}); give it the same conf/cluster.secret "
                    + "(or CARBIDE_CLUSTER_SECRET) as the other nodes and restart it", node.name(), settings.domain(),
                    refused.getMessage());
            closeChannel();
        } catch (Exception e) {
            state = "failed";
            LOG.error("Node {} could not join cluster domain {} on {}:{}: {}; it keeps serving on its own",
                    node.name(), settings.domain(), settings.bindAddress(), settings.port(), e.toString());
            closeChannel();
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    @Deactivate
    void leave() {
        closeChannel();
        requests.failAll("node " + node.name() + " is leaving the cluster");
        events.shutdown();
        requestWorkers.shutdownNow();
        if (!"refused".equals(state) && !"failed".equals(state)) {
            state = "stopped";
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
        types.forEach(type -> handlers.put(type, handler));
    }

    void removeHandler(MessageHandler handler, Map<String, Object> properties) {
        types(properties).forEach(type -> handlers.remove(type, handler));
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
        events.execute(() -> notify(listener, current));
    }

    void removeListener(MembershipListener listener) {
        listeners.remove(listener);
    }

    // ---- membership

    @Override
    public void viewAccepted(View jgroupsView) {
        Map<Address, ClusterMember> members = new LinkedHashMap<>();
        for (Address address : jgroupsView.getMembers()) {
            members.put(address, describe(address));
        }
        List<ClusterMember> ordered = List.copyOf(members.values());
        Optional<ClusterMember> authority = ordered.stream().filter(m -> m.isIn(SubDomain.MGT)).findFirst();
        ClusterView next = new ClusterView(settings.domain(), jgroupsView.getViewId().getId(), ordered, self, authority,
                jgroupsView instanceof MergeView);
        byAddress = members;
        view = next;
        LOG.info(ViewDescriptions.logLine(next));
        requests.membersLeft(ordered.stream().map(ClusterMember::name).collect(Collectors.toSet()));
        for (MembershipListener listener : listeners) {
            events.execute(() -> notify(listener, next));
        }
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
        return new ClusterMember(String.valueOf(address), java.util.Set.of(), "unknown", "", "", "unknown", 0);
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
                requestWorkers.execute(() -> dispatch(member, message.getSrc(), envelope));
            }
        }
    }

    private void dispatch(ClusterMember from, Address source, Envelope envelope) {
        ClusterMessage incoming = envelope.message();
        MessageHandler handler = handlers.get(incoming.type());
        boolean request = envelope.kind() == Envelope.Kind.REQUEST;
        if (handler == null) {
            LOG.warn("Dropped a {} message (version {}) from {}: no handler for that type on node {}", incoming.type(),
                    incoming.version(), from.name(), node.name());
            if (request) {
                reply(source, envelope, Envelope.Kind.FAILURE, failure("no handler for " + incoming.type() + " on node "
                        + node.name()));
            }
            return;
        }
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
        if (!send(address.get(), new Envelope(Envelope.Kind.REQUEST, id, message))) {
            requests.failed(id, "node " + node.name() + " is not connected to cluster domain " + settings.domain());
        }
        return reply;
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
        return "joined".equals(state);
    }

    @Override
    public boolean isJoining() {
        return "joining".equals(state);
    }

    @Override
    public String section() {
        return "cluster";
    }

    @Override
    public Object status() {
        return ViewDescriptions.status(view, state);
    }

    @Override
    public Map<String, Object> health() {
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("members", new ArrayList<>(view.members().stream().map(ClusterMember::name).toList()));
        health.put("authority", view.authority().map(ClusterMember::name).orElse(null));
        return health;
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
