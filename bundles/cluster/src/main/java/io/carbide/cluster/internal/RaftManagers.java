package io.carbide.cluster.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.ConsensusListener;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.MembershipListener;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.NoQuorumException;
import io.carbide.cluster.ReplicatedStateMachine;
import io.carbide.cluster.SubDomain;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeLifecycle;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Readiness;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.protocols.raft.RaftLeaderException;
import org.jgroups.raft.RaftHandle;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.Util;
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
 * The managers' consensus: jgroups-raft (RAFT, ELECTION, REDIRECT) on a channel of the managers'
 * own ({@code conf/cluster/managers.xml}), separate from the cluster channel that workers join,
 * because RAFT refuses a member that is not one of its voters. It starts once the node has joined
 * its cluster domain, which is how it learns where the other managers' channels listen; a
 * manager that starts with no log first asks the others whether they know it ({@link
 * ManagerIdentity}). Proposals from any manager reach the leader through REDIRECT; with no leader
 * (no majority reachable) they fail at once with the quorum in the message.
 *
 * <p>It activates only on managers: it needs the {@link ReplicatedStateMachine} the repository
 * registers.
 */
@Component(service = {ManagerConsensus.class, NodeStatusContributor.class, MessageHandler.class,
        MembershipListener.class}, immediate = true,
        property = {MessageHandler.TYPE + "=" + ManagerIdentity.TYPE,
                NodeStatusContributor.SECTION_PROPERTY + "=managers"})
public class RaftManagers implements ManagerConsensus, NodeStatusContributor, MessageHandler, MembershipListener {

    private static final Logger LOG = LoggerFactory.getLogger(RaftManagers.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Duration QUESTION_TIMEOUT = Duration.ofSeconds(3);

    private final NodeIdentity node;
    private final Cluster cluster;
    private final ManagersSettings settings;
    private final ConsensusLog log;
    private final ManagerIdentity identity;
    private final List<ConsensusListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-managers");
        thread.setDaemon(true);
        return thread;
    });
    private final Object waiting = new Object();
    private final Thread starter;
    private volatile JChannel channel;
    private volatile RaftHandle raft;
    private volatile REDIRECT redirect;
    private volatile String incarnation = "";
    private volatile boolean refused;
    private volatile String problem = "";
    private volatile boolean leaving;
    private volatile ConsensusState lastNotified;
    private volatile boolean registering;
    /** Proposals under way, with the leader they went to. */
    private final Map<CompletableFuture<byte[]>, String> pending = new java.util.concurrent.ConcurrentHashMap<>();
    private long ticks;
    private List<String> lastMembers = List.of();

    @Activate
    public RaftManagers(@Reference NodeIdentity node, @Reference Cluster cluster, @Reference NodeLifecycle lifecycle,
            @Reference ReplicatedStateMachine machine, BundleContext context) {
        this.node = node;
        this.cluster = cluster;
        ManagersSettings read;
        try {
            read = ManagersSettings.from(context, node, ClusterSettings.from(context, node));
        } catch (IllegalArgumentException wrong) {
            lifecycle.stopForFailure(wrong.getMessage());
            read = null;
        }
        this.settings = read;
        this.log = new ConsensusLog(machine);
        this.identity = read == null ? null : new ManagerIdentity(read.dataDir());
        this.starter = new Thread(this::start, "carbide-managers-join");
        this.starter.setDaemon(true);
        if (settings != null) {
            starter.start();
        }
    }

    @Deactivate
    void leave() {
        leaving = true;
        synchronized (waiting) {
            waiting.notifyAll();
        }
        timer.shutdownNow();
        JChannel current = channel;
        channel = null;
        raft = null;
        if (current != null) {
            current.close();
        }
        try {
            starter.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(ConsensusListener listener) {
        listeners.add(listener);
    }

    void removeListener(ConsensusListener listener) {
        listeners.remove(listener);
    }

    // ---- joining the managers

    private void start() {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        // JGroups loads protocol classes (RAFT's among them) by name; they live in this bundle
        Thread.currentThread().setContextClassLoader(RaftManagers.class.getClassLoader());
        try {
            // the cluster tells where the other managers listen, and carries the identity question;
            // a manager that votes alone needs neither, and starts beside the cluster join
            while (!leaving && cluster.isJoining() && settings.members().size() > 1) {
                pause(50);
            }
            if (settings.recover()) {
                setAside();
            }
            long wait = 1_000;
            while (!leaving) {
                if (mayJoin() && connect()) {
                    return;
                }
                pause(wait);
                wait = Math.min(10_000, wait * 2);
            }
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /** The explicit recovery: the old log is kept aside, and a new consensus starts from this manager. */
    private void setAside() {
        Path dir = settings.dataDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        Path aside = dir.resolveSibling("managers.before-recovery-" + Instant.now().toString().replace(':', '-'));
        try {
            Files.move(dir, aside);
            LOG.warn("Recovery (carbide.managers.recover=true): manager {} starts a new consensus of {} from its own "
                    + "committed history. Changes that the lost managers committed after what this manager applied "
                    + "are lost. The old managers' log is kept in {}. Start it without the option from now on.",
                    node.name(), settings.members(), aside);
        } catch (IOException e) {
            failWith("could not set the managers' log aside for recovery: " + e.getMessage());
        }
    }

    /** A manager with a log may join; a fresh one only once the others said they do not know it otherwise. */
    private boolean mayJoin() {
        if (!identity.isFresh() || settings.members().size() == 1 || settings.recover()) {
            return true;
        }
        List<ManagerIdentity.Answer> answers = new ArrayList<>();
        for (ClusterMember member : cluster.view().in(SubDomain.MGT)) {
            if (member.name().equals(node.name())) {
                continue;
            }
            try {
                ClusterMessage reply = cluster.request(member.name(), ManagerIdentity.question(node.name(), ""),
                        QUESTION_TIMEOUT).toCompletableFuture().get();
                answers.add(ManagerIdentity.answer(member.name(), reply));
            } catch (ExecutionException | IOException unanswered) {
                // that manager is starting too, or gone: it cannot vouch either way
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        String why = ManagerIdentity.refusal(node.name(), "", answers, procedure());
        if (why != null) {
            refused = true;
            failWith(why);
            return false;
        }
        if (answers.isEmpty()) {
            failWith("manager " + node.name() + " has no managers' log yet and waits for another of "
                    + settings.members() + " to confirm it is new (a manager that lost its log must not vote again)");
            return false;
        }
        refused = false;
        return true;
    }

    private String procedure() {
        return "Remove it from the managers, then add it back, on a manager that has its log: "
                + "curl ... -X DELETE https://MANAGER/api/managers/" + node.name() + " then "
                + "curl ... -d '{\"add\": \"" + node.name() + "\"}' https://MANAGER/api/managers; it then catches up "
                + "from the others";
    }

    private boolean connect() {
        JChannel created = null;
        try {
            incarnation = identity.incarnation();
            byte[] secret = ClusterSecret.load(node);
            SecretEncrypt.KEY.set(SecretEncrypt.deriveKey(secret, cluster.domain()));
            try {
                created = new JChannel(new ByteArrayInputStream(StackFile.read(settings.stackFile(), Map.of(
                        "${carbide.managers.bindAddress}", settings.bindAddress(),
                        "${carbide.managers.port}", String.valueOf(settings.port()),
                        "${carbide.managers.initialHosts}", String.join(",", initialHosts(cluster.view())),
                        "${carbide.managers.members}", String.join(",", settings.members()),
                        "${carbide.managers.raftId}", node.name(),
                        "${carbide.managers.logDir}", settings.dataDir().toString()))));
            } finally {
                SecretEncrypt.KEY.remove();
            }
            AUTH auth = created.getProtocolStack().findProtocol(AUTH.class);
            if (created.getProtocolStack().findProtocol(SecretEncrypt.class) == null || !(auth instanceof MemberAuth)
                    || !(auth.getAuthToken() instanceof SharedSecretToken token)) {
                throw new IllegalStateException("stack " + settings.stackFile() + " must keep SecretEncrypt and "
                        + "MemberAuth, as the cluster stack does");
            }
            token.configure(secret, cluster.domain());
            // only voting managers share this channel: a manager of another consensus must never see its log
            ((MemberAuth) auth).admitOnly(name -> currentMembers().contains(name) ? null : name + " is not one of the "
                    + "voting managers " + currentMembers() + "; if it should be, add it on one of them (POST "
                    + "/api/managers {\"add\": \"" + name + "\"})");
            Files.createDirectories(settings.dataDir());
            ClusterMember self = new ClusterMember(node.name(), Set.of(SubDomain.MGT), node.profile(), "", "",
                    node.version(), System.currentTimeMillis(), "");
            created.name(node.name());
            created.addAddressGenerator(() -> ExtendedUUID.randomUUID(node.name())
                    .put(MemberCodec.ADDRESS_KEY, MemberCodec.encode(self)));
            RaftHandle handle = new RaftHandle(created, log);
            handle.addRoleListener(role -> timer.execute(this::notifyIfChanged));
            created.setReceiver(new org.jgroups.Receiver() {
                @Override
                public void viewAccepted(org.jgroups.View view) {
                    timer.execute(RaftManagers.this::notifyIfChanged);
                }
            });
            if (currentMembers().size() == 1) {
                // nobody to discover: do not wait the join timeout for answers that cannot come
                created.getProtocolStack().<org.jgroups.protocols.pbcast.GMS>findProtocol(
                        org.jgroups.protocols.pbcast.GMS.class).setJoinTimeout(20);
            }
            long started = System.nanoTime();
            created.connect(settings.channelName());
            JGroupsCluster.printAddressesByName(); // RAFT prints addresses its own way, for every channel
            channel = created;
            raft = handle;
            redirect = created.getProtocolStack().findProtocol(REDIRECT.class);
            problem = "";
            LOG.info("Manager {} joined the managers {} on {}:{} in {} ms: {} of {} reachable, log at index {}",
                    node.name(), settings.members(), settings.bindAddress(), settings.port(),
                    (System.nanoTime() - started) / 1_000_000, state().reachable().size(), settings.members().size(),
                    handle.lastApplied());
            timer.scheduleWithFixedDelay(this::tend, 200, 250, TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            if (created != null) {
                created.close();
            }
            failWith("could not join the managers' channel on " + settings.bindAddress() + ":" + settings.port() + ": "
                    + e.getMessage());
            return false;
        }
    }

    /** The voting managers now: the consensus' own list once joined, the configured one before. */
    private List<String> currentMembers() {
        RaftHandle handle = raft;
        return handle != null ? handle.raft().members() : settings.members();
    }

    /**
     * Managers' channel addresses, {@code host[port]}, of the voting managers in the cluster view,
     * this one first: a manager of another consensus in the same cluster domain is never asked.
     */
    private List<String> initialHosts(ClusterView view) {
        Set<String> hosts = new LinkedHashSet<>();
        hosts.add(settings.bindAddress() + "[" + settings.port() + "]");
        List<String> members = currentMembers();
        for (ClusterMember member : view.in(SubDomain.MGT)) {
            if (!members.contains(member.name())) {
                continue;
            }
            int colon = member.managersAddress().lastIndexOf(':');
            if (colon > 0) {
                hosts.add(member.managersAddress().substring(0, colon) + "[" + member.managersAddress().substring(colon + 1)
                        + "]");
            }
        }
        return List.copyOf(hosts);
    }

    /** The cluster view changed: managers that joined it can be found on the managers' channel too. */
    @Override
    public void viewChanged(ClusterView view) {
        JChannel current = channel;
        if (current == null) {
            return;
        }
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (String host : initialHosts(view)) {
            int bracket = host.indexOf('[');
            hosts.add(new InetSocketAddress(host.substring(0, bracket),
                    Integer.parseInt(host.substring(bracket + 1, host.length() - 1))));
        }
        TCPPING discovery = current.getProtocolStack().findProtocol(TCPPING.class);
        if (discovery != null) {
            discovery.setInitialHosts(hosts);
        }
    }

    /**
     * Every quarter second: tells listeners what changed; on the leader, sends every follower what
     * it lacks; and records this manager's incarnation once it has caught up.
     */
    private void tend() {
        notifyIfChanged();
        RaftHandle handle = raft;
        if (handle == null) {
            return;
        }
        if (!handle.raft().members().equals(lastMembers)) {
            lastMembers = List.copyOf(handle.raft().members());
            viewChanged(cluster.view()); // a manager added or removed: look for exactly the voting ones
        }
        if (handle.isLeader() && ++ticks % 4 == 0) {
            // RAFT resends to a lagging follower only when its queue has been idle for resend_interval:
            // under a steady stream of changes a manager that (re)joined would never catch up
            handle.raft().flushCommitTable();
        }
        // a manager that has not applied anything yet proposes nothing: its requests would keep the
        // leader's queue busy, and so keep itself from being sent what it lacks
        if (registering || incarnation.equals(log.incarnationOf(node.name())) || handle.leader() == null
                || (handle.commitIndex() == 0 && !handle.isLeader()) || !handle.raft().members().contains(node.name())) {
            return;
        }
        registering = true;
        submit(ConsensusLog.incarnation(node.name(), incarnation), Duration.ofSeconds(10))
                .whenComplete((done, failed) -> registering = false); // a failure is tried again on a later round
    }

    private void notifyIfChanged() {
        ConsensusState now = state();
        ConsensusState before = lastNotified;
        if (before != null && before.role() == now.role() && before.term() == now.term()
                && before.leader().equals(now.leader()) && before.reachable().equals(now.reachable())
                && before.members().equals(now.members()) && before.problem().equals(now.problem())) {
            return;
        }
        lastNotified = now;
        if (before != null && !before.leader().equals(now.leader())) {
            failProposalsOf(now.leader());
        }
        if (before == null || !before.leader().equals(now.leader()) || before.role() != now.role()) {
            LOG.info("Managers {}: {} is {} in term {}, leader {}, {} of {} reachable", now.members(), node.name(),
                    now.role().label(), now.term(), now.leader().isEmpty() ? "none" : now.leader(),
                    now.reachable().size(), now.members().size());
        }
        for (ConsensusListener listener : listeners) {
            try {
                listener.consensusChanged(now);
            } catch (RuntimeException e) {
                LOG.warn("A consensus listener failed: {}", e.toString());
            }
        }
    }

    private void failWith(String why) {
        if (!why.equals(problem)) {
            LOG.error("{}", why);
        }
        problem = why;
        timer.execute(this::notifyIfChanged);
    }

    private void pause(long millis) {
        synchronized (waiting) {
            if (!leaving) {
                try {
                    waiting.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    leaving = true;
                }
            }
        }
    }

    // ---- the identity question, answered

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        String asker = ManagerIdentity.asker(message);
        RaftHandle handle = raft;
        boolean hasLog = handle != null && identity != null && !identity.isFresh();
        List<String> members = handle != null ? handle.raft().members() : settings == null ? List.of() : settings.members();
        return ManagerIdentity.answer(hasLog, members, log.incarnationOf(asker));
    }

    // ---- proposing

    @Override
    public CompletionStage<byte[]> propose(byte[] command, Duration timeout) {
        return submit(ConsensusLog.application(command), timeout);
    }

    private CompletableFuture<byte[]> submit(byte[] entry, Duration timeout) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        RaftHandle handle = raft;
        REDIRECT forward = redirect;
        if (handle == null || forward == null) {
            answer.completeExceptionally(new NoQuorumException("manager " + node.name() + " is not in the managers' "
                    + "consensus (yet)" + (problem.isEmpty() ? "" : ": " + problem)));
            return answer;
        }
        String leaderWhenSent = handle.leader() == null ? "" : raftId(handle.leader());
        pending.put(answer, leaderWhenSent);
        answer.whenComplete((result, failure) -> pending.remove(answer));
        try {
            forward.setAsync(entry, 0, entry.length).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((result, failure) -> {
                        if (failure == null) {
                            answer.complete(result);
                        } else {
                            answer.completeExceptionally(translate(failure, timeout));
                        }
                    });
        } catch (Exception e) {
            answer.completeExceptionally(translate(e, timeout));
        }
        return answer;
    }

    /**
     * The leader changed: proposals sent to the old one would otherwise wait out their timeout
     * (its answer never comes). They end now, saying that they may have counted.
     */
    private void failProposalsOf(String newLeader) {
        pending.forEach((proposal, sentTo) -> {
            if (!sentTo.equals(newLeader)) {
                proposal.completeExceptionally(new NoQuorumException("the leader changed (" + (sentTo.isEmpty() ? "none"
                        : sentTo) + " to " + (newLeader.isEmpty() ? "none" : newLeader) + ") while the change was being "
                        + "committed; it may or may not count: look before sending it again"));
            }
        });
    }

    /** What a failed proposal means to the caller: no quorum, or a plain failure with the managers' reason. */
    private Exception translate(Throwable failure, Duration timeout) {
        Throwable cause = failure instanceof CompletionException || failure instanceof ExecutionException
                ? failure.getCause() : failure;
        ConsensusState now = state();
        if (cause instanceof RaftLeaderException || !now.hasLeader()
                || (cause instanceof IllegalStateException && String.valueOf(cause.getMessage()).contains("not the leader"))) {
            return new NoQuorumException(now.noQuorumMessage());
        }
        if (cause instanceof TimeoutException) {
            return new IOException("the managers did not commit the change within " + timeout.toSeconds() + " s (leader "
                    + now.leader() + ", " + now.reachable().size() + " of " + now.members().size() + " reachable)");
        }
        return new IOException(String.valueOf(cause.getMessage()), cause);
    }

    @Override
    public CompletionStage<Void> addManager(String name, Duration timeout) {
        return changeMembers(name, true, timeout);
    }

    @Override
    public CompletionStage<Void> removeManager(String name, Duration timeout) {
        return changeMembers(name, false, timeout);
    }

    private CompletionStage<Void> changeMembers(String name, boolean add, Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        REDIRECT forward = redirect;
        if (name == null || !NAME.matcher(name).matches()) {
            done.completeExceptionally(new IllegalArgumentException("'" + name + "' is not a node name"));
            return done;
        }
        if (forward == null) {
            done.completeExceptionally(new NoQuorumException("manager " + node.name() + " is not in the managers' "
                    + "consensus (yet)"));
            return done;
        }
        try {
            // the manager's incarnation is forgotten first: added back, it comes with a new log and a new one
            submit(ConsensusLog.incarnation(name, ""), timeout)
                    .thenCompose(forgotten -> {
                        try {
                            return add ? forward.addServer(name) : forward.removeServer(name);
                        } catch (Exception e) {
                            throw new CompletionException(e);
                        }
                    })
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((result, failure) -> {
                        if (failure == null) {
                            LOG.warn("Managers: {} {} the voting members, now {}", name, add ? "added to" : "removed from",
                                    state().members());
                            done.complete(null);
                        } else {
                            done.completeExceptionally(translate(failure, timeout));
                        }
                    });
        } catch (Exception e) {
            done.completeExceptionally(translate(e, timeout));
        }
        return done;
    }

    // ---- what others see

    @Override
    public ConsensusState state() {
        RaftHandle handle = raft;
        JChannel current = channel;
        if (handle == null || current == null) {
            List<String> members = settings == null ? List.of(node.name()) : settings.members();
            return new ConsensusState(node.name(), refused ? ConsensusState.Role.REFUSED : ConsensusState.Role.STARTING,
                    0, "", 0, 0, members, List.of(node.name()), problem);
        }
        RAFT protocol = handle.raft();
        List<String> members = protocol.members();
        List<String> reachable = new ArrayList<>();
        org.jgroups.View view = current.getView();
        if (view != null) {
            for (Address address : view.getMembers()) {
                String id = raftId(address);
                if (members.contains(id)) {
                    reachable.add(id);
                }
            }
        }
        Address leader = handle.leader();
        return new ConsensusState(node.name(), handle.isLeader() ? ConsensusState.Role.LEADER
                : ConsensusState.Role.FOLLOWER, handle.currentTerm(), leader == null ? "" : raftId(leader),
                handle.commitIndex(), handle.lastApplied(), List.copyOf(members), List.copyOf(reachable), problem);
    }

    private static String raftId(Address address) {
        if (address instanceof ExtendedUUID extended && extended.keyExists(RAFT.raft_id_key)) {
            return Util.bytesToString(extended.get(RAFT.raft_id_key));
        }
        return String.valueOf(address);
    }

    @Override
    public String section() {
        return "managers";
    }

    @Override
    public Object status() {
        ConsensusState now = state();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("role", now.role().label());
        status.put("term", now.term());
        status.put("leader", now.leader().isEmpty() ? null : now.leader());
        status.put("commitIndex", now.commitIndex());
        status.put("lastAppended", now.lastAppended());
        status.put("members", now.members());
        status.put("reachable", now.reachable());
        status.put("quorum", now.hasLeader());
        if (settings != null) {
            status.put("address", settings.bindAddress() + ":" + settings.port());
        }
        if (!now.problem().isEmpty()) {
            status.put("problem", now.problem());
        }
        return status;
    }

    /** A manager refused by the others (it lost its log) takes no part: a load balancer must not send it operators. */
    @Override
    public Readiness readiness() {
        ConsensusState now = state();
        return switch (now.role()) {
            case REFUSED -> Readiness.refused(now.problem());
            case STARTING -> Readiness.starting(now.problem().isEmpty() ? "joining the managers " + now.members()
                    : now.problem());
            case LEADER, FOLLOWER -> now.hasLeader() ? Readiness.ready() : Readiness.ready(now.noQuorumMessage());
        };
    }
}
