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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jgroups.Address;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.RaftHandle;
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
 * The managers' consensus: jgroups-raft (RAFT, ELECTION2 with its pre-vote, REDIRECT) on a channel of the managers'
 * own ({@link ManagersChannel}), separate from the cluster channel that workers join, because RAFT
 * refuses a member that is not one of its voters. A manager that starts with no log first asks the
 * others whether they know it ({@link ManagerIdentity}); then it joins. Proposals from any manager
 * reach the leader through REDIRECT; with no leader (no majority reachable) they fail at once with
 * the quorum in the message, and when the leader changes, those sent to the old one end at once.
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
    /** A follower whose acknowledged index has not moved for this long is sent what it lacks again. */

    private final NodeIdentity node;
    private final Cluster cluster;
    /** The cluster secret's keys, which the managers' channel follows through a rotation as the cluster's does. */
    private final SecretRotation secrets;
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
    /** The other managers in the cluster's view, and whether one came in while this one waits to join. */
    private volatile Set<String> managersInView = Set.of();
    private final AtomicBoolean managerCameIntoView = new AtomicBoolean();
    private final Thread starter;
    private final Proposals proposals = new Proposals(this::state);
    private final FollowerCatchUp catchUp = new FollowerCatchUp();
    private volatile ManagersChannel channel;
    private volatile String incarnation = "";
    private volatile boolean refused;
    private volatile String problem = "";
    private volatile boolean leaving;
    private volatile ConsensusState lastNotified;
    private volatile boolean registering;
    private List<String> lastMembers = List.of();

    @Activate
    public RaftManagers(@Reference NodeIdentity node, @Reference Cluster cluster, @Reference NodeLifecycle lifecycle,
            @Reference ReplicatedStateMachine machine, @Reference SecretRotation secrets, BundleContext context) {
        this.node = node;
        this.cluster = cluster;
        this.secrets = secrets;
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
        ManagersChannel current = channel;
        channel = null;
        if (current != null) {
            current.close();
        }
        proposals.failAll("manager " + node.name() + " is stopping");
        try {
            starter.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs on this component's own thread, unless it is stopping. */
    private void later(Runnable task) {
        try {
            timer.execute(task);
        } catch (RejectedExecutionException stopping) {
            // the component is going: nothing left to tell
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
            boolean recovering = settings.recover() && !identity.startedByRecovery();
            if (settings.recover() && !recovering) {
                LOG.warn("carbide.managers.recover=true is still set on manager {}: its recovery is done, so it is "
                        + "ignored; remove the option", node.name());
            }
            if (recovering && !setAside()) {
                return;
            }
            long wait = 1_000;
            while (!leaving) {
                if ((recovering || mayJoin()) && connect(recovering)) {
                    return;
                }
                pause(wait);
                // a manager that came into view is asked at once, and soon again: it may be starting too
                wait = managerCameIntoView.getAndSet(false) ? 1_000 : Math.min(10_000, wait * 2);
            }
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /** The explicit recovery: the old log is kept aside, and a new consensus starts from this manager. */
    private boolean setAside() {
        Path dir = settings.dataDir();
        if (!Files.isDirectory(dir)) {
            return true;
        }
        Path aside = dir.resolveSibling("managers.before-recovery-" + Instant.now().toString().replace(':', '-'));
        try {
            Files.move(dir, aside);
            LOG.warn("Recovery (carbide.managers.recover=true): manager {} starts a new consensus of {} from its own "
                    + "committed history. Changes that the lost managers committed after what this manager applied "
                    + "are lost. The old managers' log is kept in {}.", node.name(), settings.members(), aside);
            return true;
        } catch (IOException e) {
            failWith("could not set the managers' log aside for recovery: " + e.getMessage());
            return false;
        }
    }

    /** A manager with a log may join; one without asks the others first, unless nobody else is there to ask. */
    private boolean mayJoin() {
        if (!identity.isFresh()) {
            return true;
        }
        List<ManagerIdentity.Answer> answers = new ArrayList<>();
        for (ClusterMember member : cluster.view().in(SubDomain.MGT)) {
            if (member.name().equals(node.name())) {
                continue;
            }
            try {
                ClusterMessage reply = cluster.request(member.name(), ManagerIdentity.question(node.name()),
                        QUESTION_TIMEOUT).toCompletableFuture().get();
                answers.add(ManagerIdentity.answer(member.name(), reply));
            } catch (ExecutionException | IOException unanswered) {
                // that manager is not a manager of this version, or gone: it cannot vouch either way
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        ManagerIdentity.Decision decision = ManagerIdentity.decide(node.name(), answers,
                settings.members().size() == 1, procedure());
        refused = decision.verdict() == ManagerIdentity.Verdict.REFUSE;
        if (decision.verdict() == ManagerIdentity.Verdict.WAIT) {
            // managers started together wait for each other's word: a step of their start, not a fault
            holdWith(decision.why());
            return false;
        }
        if (refused) {
            failWith(decision.why());
            return false;
        }
        return true;
    }

    private String procedure() {
        return "Remove it from the managers, then add it back, on a manager that has its log: "
                + "curl ... -X DELETE https://MANAGER/api/managers/" + node.name() + " then "
                + "curl ... -d '{\"add\": \"" + node.name() + "\"}' https://MANAGER/api/managers; it then catches up "
                + "from the others";
    }

    private boolean connect(boolean recovering) {
        ManagersChannel created = null;
        try {
            incarnation = identity.incarnation();
            if (recovering) {
                identity.markRecovered();
            }
            secrets.loaded(SecretRotation.MANAGERS); // the cluster's own channel may not have read them yet
            created = new ManagersChannel(node, settings, cluster.view(), log,
                    () -> secrets.keys(SecretRotation.MANAGERS),
                    this::currentMembers, new org.jgroups.Receiver() {
                        @Override
                        public void viewAccepted(org.jgroups.View view) {
                            Set<String> others = new HashSet<>();
                            for (org.jgroups.Address member : view.getMembers()) {
                                String name = org.jgroups.util.NameCache.get(member);
                                if (name != null && !name.equals(node.name())) {
                                    others.add(name);
                                }
                            }
                            secrets.channelView(SecretRotation.MANAGERS, others);
                            later(RaftManagers.this::notifyIfChanged);
                        }
                    });
            created.raft().addRoleListener(role -> later(this::notifyIfChanged));
            long started = System.nanoTime();
            created.connect();
            channel = created;
            if (leaving) {
                // the manager stopped while this connected: leave() may not have seen the channel, so close it here
                channel = null;
                created.close();
                return true;
            }
            problem = "";
            LOG.info("Manager {} joined the managers {} on {}:{} in {} ms: {} of {} reachable, log at index {}",
                    node.name(), settings.members(), settings.bindAddress(), settings.port(),
                    (System.nanoTime() - started) / 1_000_000, state().reachable().size(), settings.members().size(),
                    created.raft().raft().lastAppended());
            try {
                timer.scheduleWithFixedDelay(this::tend, 200, 250, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // the manager began to stop after the check above; leave() closes the channel it saw
            }
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
        ManagersChannel current = channel;
        return current != null ? current.raft().raft().members() : settings.members();
    }

    /** The cluster view changed: managers that joined it can be found on the managers' channel too. */
    @Override
    public void viewChanged(ClusterView view) {
        ManagersChannel current = channel;
        if (current != null) {
            current.follow(view);
            return;
        }
        // not joined yet: a manager waiting for another's word tries again now, not after its back-off
        // (up to 8 s; managers started together met by a merge and then waited out the rest of it)
        Set<String> managers = new HashSet<>();
        for (ClusterMember member : view.in(SubDomain.MGT)) {
            if (!member.name().equals(node.name())) {
                managers.add(member.name());
            }
        }
        if (!managersInView.containsAll(managers)) {
            managerCameIntoView.set(true);
            synchronized (waiting) {
                waiting.notifyAll();
            }
        }
        managersInView = managers;
    }

    /**
     * Every quarter second: tells listeners what changed; on the leader, sends a follower that
     * stopped catching up what it lacks; and records this manager's incarnation once it has caught up.
     */
    private void tend() {
        notifyIfChanged();
        ManagersChannel current = channel;
        if (current == null) {
            return;
        }
        RaftHandle handle = current.raft();
        if (!handle.raft().members().equals(lastMembers)) {
            lastMembers = List.copyOf(handle.raft().members());
            current.follow(cluster.view()); // a manager added or removed: look for exactly the voting ones
        }
        if (handle.isLeader()) {
            catchUp.tend(handle.raft());
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
            proposals.leaderChanged(now.leader());
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
        showProblem(why, true);
    }

    /** Like {@link #failWith}, for a wait that ends by itself once the other managers are there. */
    private void holdWith(String why) {
        showProblem(why, false);
    }

    private void showProblem(String why, boolean fault) {
        if (!why.equals(problem)) {
            if (fault) {
                LOG.error("{}", why);
            } else {
                LOG.info("{}", why);
            }
        }
        problem = why;
        later(this::notifyIfChanged);
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
        boolean joined = channel != null;
        boolean hasLog = identity != null && !identity.isFresh();
        // until this manager has replayed its log, what it knows of others cannot count
        return ManagerIdentity.answer(hasLog, joined, currentMembers(), joined ? log.incarnationOf(asker) : "");
    }

    // ---- proposing

    @Override
    public CompletionStage<byte[]> propose(byte[] command, Duration timeout) {
        return submit(ConsensusLog.application(command), timeout);
    }

    private CompletableFuture<byte[]> submit(byte[] entry, Duration timeout) {
        ManagersChannel current = channel;
        if (current == null) {
            return CompletableFuture.failedFuture(new NoQuorumException("manager " + node.name() + " is not in the "
                    + "managers' consensus (yet)" + (problem.isEmpty() ? "" : ": " + problem)));
        }
        return proposals.submit(current, entry, timeout);
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
        ManagersChannel current = channel;
        if (name == null || !NAME.matcher(name).matches()) {
            done.completeExceptionally(new IllegalArgumentException("'" + name + "' is not a node name"));
            return done;
        }
        if (current == null) {
            done.completeExceptionally(new NoQuorumException("manager " + node.name() + " is not in the managers' "
                    + "consensus (yet)"));
            return done;
        }
        REDIRECT forward = current.redirect();
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
                            done.completeExceptionally(proposals.translate(failure, timeout));
                        }
                    });
        } catch (Exception e) {
            done.completeExceptionally(proposals.translate(e, timeout));
        }
        return done;
    }

    // ---- what others see

    @Override
    public ConsensusState state() {
        ManagersChannel current = channel;
        if (current == null) {
            List<String> members = settings == null ? List.of(node.name()) : settings.members();
            return new ConsensusState(node.name(), refused ? ConsensusState.Role.REFUSED : ConsensusState.Role.STARTING,
                    0, "", 0, 0, members, List.of(node.name()), problem);
        }
        RaftHandle handle = current.raft();
        List<String> members = List.copyOf(handle.raft().members());
        List<String> reachable = current.present().stream().filter(members::contains).toList();
        Address leader = handle.leader();
        return new ConsensusState(node.name(), handle.isLeader() ? ConsensusState.Role.LEADER
                : ConsensusState.Role.FOLLOWER, handle.currentTerm(), leader == null ? "" : ManagersChannel.raftId(leader),
                handle.commitIndex(), handle.raft().lastAppended(), members, reachable, problem);
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
