package io.carbide.repository.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ConsensusListener;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.Change;
import io.carbide.deployment.DeployedArtifacts;
import io.carbide.deployment.DeploymentStatus;
import io.carbide.deployment.InvalidArtifactException;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.RepositoryListener;
import io.carbide.deployment.RevisionNotFoundException;
import io.carbide.deployment.RepositoryBackup;
import io.carbide.deployment.Rollout;
import io.carbide.deployment.RolloutPolicy;
import io.carbide.deployment.RolloutRefusedException;
import io.carbide.deployment.StagedRollouts;
import io.carbide.deployment.protocol.ReplicationProtocol;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Readiness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's one artifact repository, as this manager holds it: content in
 * {@code data/repository/blobs/} by SHA-256, and the revision log replicated among the managers
 * by their consensus ({@link RevisionStateMachine}). Any manager takes changes: it validates the
 * artifact, stores its content, has a majority of the managers hold it too ({@link BlobHolders}),
 * then proposes the change, which the leader commits once a majority has it; the change counts
 * (and the call returns) only then. With no majority reachable, changes are refused with the
 * quorum in the message. Storing content an artifact already has records nothing, so a restart
 * (which shows File Install every file of {@code deploy/} again) re-sends nothing.
 *
 * <p>The first leader of a new consensus gives the repository its id: the one this manager kept
 * from an earlier version or a lost consensus ({@link RevisionExport}), with its history, so the
 * workers keep following it; or a new one.
 */
@Component(service = {ArtifactRepository.class, StagedRollouts.class, RepositoryBackup.class, NodeStatusContributor.class,
        MessageHandler.class, ConsensusListener.class}, immediate = true,
        property = MessageHandler.TYPE + "=" + BlobHolders.HOLD)
public class ConsensusRepository implements ArtifactRepository, StagedRollouts, RepositoryBackup, NodeStatusContributor,
        MessageHandler,
        ConsensusListener, RevisionStateMachine.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ConsensusRepository.class);
    private static final int REFUSALS_KEPT = 100;
    private static final Duration COMMIT_TIMEOUT = CommandProposer.COMMIT_TIMEOUT;
    /** How long a leader with nothing to carry over waits for a manager that has, before it starts a new repository. */
    private static final long NEW_REPOSITORY_DELAY_MILLIS = 3_000;
    /**
     * Content that came in this recently for a change not committed yet (or that was here when
     * the manager started, before its log was replayed) is never collected.
     */
    private static final long COLLECT_GRACE_MILLIS = 60 * 60_000;

    private final NodeIdentity node;
    private final RevisionStateMachine machine;
    private final ManagerConsensus consensus;
    private final RevisionExport export;
    private final CommandProposer proposer;
    private final BlobStore blobs;
    private final BlobHolders holders;
    private final Cluster cluster;
    private final RetentionPolicy retention;
    /** The cluster's default rollout policy for changes that name none ({@code carbide.rollout.*}), if set. */
    private final Optional<RolloutPolicy> defaultRollout;
    /** Why the configured default policy cannot be used, or null: changes are then refused, never unstaged. */
    private final String defaultRolloutProblem;
    /** The earliest version whose workers know they may be held back (the announcement's heldAt). */
    static final String STAGED_ROLLOUTS_SINCE = "0.1.0";

    /** How long a rollout waits for the reports of workers in the view this manager has not heard yet. */
    private static final java.time.Duration REPORTS_WAIT = java.time.Duration.ofSeconds(5);

    /** What the workers reported (from the replicator): a rollout plans its waves over those that follow this repository. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile DeploymentStatus reports;
    /** On a default (dual-mode) node, what this node itself runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeployedArtifacts local;
    private final AtomicBoolean retentionDue = new AtomicBoolean();
    private volatile String lastRetentionProblem = "";
    /** The bytes of stored content and when they were counted. */
    private volatile long[] diskUsage = {0, 0};
    private final Map<String, Refusal> refused = new ConcurrentHashMap<>();
    /** Content a backup is copying (how many backups): never collected meanwhile, even if a compaction drops it. */
    private final Map<String, Integer> backingUp = new ConcurrentHashMap<>();
    private final Map<String, String> authors = new ConcurrentHashMap<>();
    private final List<RepositoryListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean beginning = new AtomicBoolean();
    /** Names of artifacts whose content was found damaged here, until it is fetched again. */
    private final Set<String> damagedNames = ConcurrentHashMap.newKeySet();
    /** Reads every blob once after a start: off the events thread, which must stay quick. */
    private final ScheduledExecutorService contentCheck = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-content-check");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        return thread;
    });
    private final ScheduledExecutorService events = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-repository-events");
        thread.setDaemon(true);
        return thread;
    });

    /** Applies the retention policy: off the events thread, since it proposes through the consensus. */
    /**
     * Takes up the managers' answers to changes proposed without waiting ({@link #storeAsync}), off
     * the thread that completed the commit (the managers' own, on the leader). It never waits.
     */
    private final java.util.concurrent.ExecutorService answers = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "carbide-repository-answers");
        thread.setDaemon(true);
        return thread;
    });
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-repository-retention");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        return thread;
    });

    @Activate
    public ConsensusRepository(@Reference NodeIdentity node, @Reference RevisionStateMachine machine,
            @Reference ManagerConsensus consensus, @Reference Cluster cluster, @Reference RevisionExport export,
            @Reference io.carbide.cluster.ContentChannel content, BundleContext context) throws IOException {
        this.node = node;
        this.machine = machine;
        this.consensus = consensus;
        this.export = export;
        this.proposer = new CommandProposer(consensus, cluster, node.version());
        Path dir = node.base().resolve("data/repository");
        this.blobs = new BlobStore(dir.resolve("blobs"));
        blobs.removeIncomplete();
        this.holders = new BlobHolders(node.name(), cluster, content, blobs, consensus::state);
        this.cluster = cluster;
        this.retention = RetentionPolicy.from(context::getProperty);
        String[] problem = new String[1];
        this.defaultRollout = defaultRolloutPolicy(context::getProperty, problem);
        this.defaultRolloutProblem = problem[0];
        machine.addListener(this);
        contentCheck.schedule(this::checkAllContent, 5, java.util.concurrent.TimeUnit.SECONDS);
        housekeeping.scheduleWithFixedDelay(this::applyRetention, 10, 60, TimeUnit.SECONDS);
        LOG.info("Artifact repository {}: {} at revision {}, {} artifacts; keeping {}", dir,
                machine.repositoryId().isEmpty() ? "waiting for the managers" : machine.repositoryId(), machine.revision(),
                machine.artifacts().size(), retention);
    }

    @Deactivate
    void close() {
        machine.removeListener(this);
        holders.close();
        List<java.util.concurrent.ExecutorService> threads = List.of(contentCheck, events, answers, housekeeping);
        threads.forEach(java.util.concurrent.ExecutorService::shutdownNow);
        // none may outlive this bundle's classes, nor touch the store the next instance opens
        boolean interrupted = Thread.interrupted(); // each wait waits even when the stop comes interrupted
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // for all of them: a stop stays short
        for (java.util.concurrent.ExecutorService thread : threads) {
            try {
                thread.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(RepositoryListener listener) {
        listeners.add(listener);
    }

    void removeListener(RepositoryListener listener) {
        listeners.remove(listener);
    }

    // ---- reading: the committed state, as applied here

    @Override
    public String id() {
        return machine.repositoryId();
    }

    @Override
    public long revision() {
        return machine.revision();
    }

    @Override
    public long term() {
        return consensus.state().term();
    }

    @Override
    public long generation() {
        return machine.generation();
    }

    @Override
    public List<Artifact> artifacts() {
        return machine.artifacts();
    }

    @Override
    public ReplicationProtocol.Changes changesFor(String repositoryId, long revision) {
        return machine.changesFor("", repositoryId, revision, term());
    }

    @Override
    public ReplicationProtocol.Changes changesFor(String repositoryId, long revision, String node) {
        return machine.changesFor(node, repositoryId, revision, term());
    }

    @Override
    public ReplicationProtocol.Changes changesFor(ReplicationProtocol.Sync sync, String node) {
        return machine.changesFor(node, sync.repositoryId(), sync.revision(), sync.stamp(), term());
    }

    @Override
    public List<Artifact> changesSince(long since) {
        return machine.changesSince(since);
    }

    @Override
    public List<Change> history(Optional<String> name) {
        return machine.history(name);
    }

    /** The content with this digest, checked first: damaged content is never served (see {@link #damaged}). */
    @Override
    public Optional<Path> content(String sha256) {
        try {
            return blobs.verified(sha256);
        } catch (BlobStore.DamagedContentException damage) {
            damaged(sha256, damage);
            return Optional.empty();
        } catch (IOException unreadable) {
            LOG.warn("Manager {} could not read the content {}: {}", node.name(), sha256.substring(0, 12),
                    unreadable.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Content found damaged on disk: named in the log, in status ({@code damagedContent}) and so in
     * the API and console, and fetched again from another manager; meanwhile workers take it from
     * another manager or report the artifact failed, and nothing else waits for it.
     */
    private void damaged(String sha256, BlobStore.DamagedContentException damage) {
        List<Artifact> affected = machine.artifacts().stream().filter(a -> a.sha256().equals(sha256)).toList();
        affected.forEach(a -> damagedNames.add(a.name()));
        LOG.error("Manager {}: {} ({}); it is fetched again from another manager, and not served meanwhile",
                node.name(), damage.getMessage(), affected.stream().map(Artifact::name).toList());
        affected.forEach(holders::ensureHeld);
    }

    /**
     * Checks every committed artifact's content once, in the background, after a start: a blob
     * damaged while the manager was down is found before a worker asks for it.
     */
    private void checkAllContent() {
        long started = System.nanoTime();
        int checkedCount = 0;
        for (Artifact artifact : machine.artifacts()) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            content(artifact.sha256());
            checkedCount++;
        }
        if (checkedCount > 0) {
            LOG.info("Manager {} checked the content of {} artifacts in {} ms{}", node.name(), checkedCount,
                    (System.nanoTime() - started) / 1_000_000, damagedNames.isEmpty() ? ""
                            : "; damaged: " + damagedNames);
        }
    }

    @Override
    public boolean isStored(String name, Path file) throws IOException {
        Optional<Artifact> current = machine.latest(name);
        return current.isPresent() && !current.get().deleted() && Files.size(file) == current.get().size()
                && BlobStore.digest(file).equals(current.get().sha256());
    }

    // ---- changing: content first, then the entry

    @Override
    public ArtifactType check(String name, Path file) throws InvalidArtifactException, NoSuchFileException {
        return ArtifactValidator.validate(name, file);
    }

    @Override
    public Artifact store(String name, Path file) throws InvalidArtifactException, IOException, NoQuorumException {
        Artifact recorded = CommandProposer.await(storeAsync(name, file), name);
        // a follower hears of the commit before it applies it: what this returns, this manager shows. Ten
        // identical uploads at once to a follower answered 201 "created" twice for one revision, the second
        // having read the name before the first's change was applied here
        awaitApplied(recorded.revision());
        return recorded;
    }

    @Override
    public CompletableFuture<Artifact> storeAsync(String name, Path file)
            throws InvalidArtifactException, IOException, NoQuorumException {
        if (defaultRolloutProblem != null) {
            throw new RolloutRefusedException(name + " was not recorded: " + defaultRolloutProblem);
        }
        if (defaultRollout.isPresent() && !isStored(name, file) && !rolloutTargets().workers().isEmpty()) {
            // a rollout is one change at a time: it starts, and its change is read back, before this returns
            Rollout started = startRollout(name, file, defaultRollout.get(), null);
            return CompletableFuture.completedFuture(machine.latest(name).filter(a -> a.revision() == started.toRevision())
                    .orElseThrow(() -> new IOException("the staged rollout of " + name
                            + " ended before its change could be read back")));
        }
        ArtifactType type = validated(name, file);
        BlobStore.Stored stored = blobs.put(file);
        Optional<Artifact> current = machine.latest(name);
        if (current.isPresent() && !current.get().deleted() && current.get().sha256().equals(stored.sha256())) {
            blobs.settled(stored.sha256()); // a committed change refers to it already
            return CompletableFuture.completedFuture(current.get());
        }
        // until the change commits (applied() settles it), or the grace passes, nothing collects the content
        requireRepository();
        String by = authorOf(name, stored.sha256());
        holders.holdByMajority(stored.sha256(), stored.size(), name);
        byte[] command = RevisionCommands.put(name, type, stored.sha256(), stored.size(), by, System.currentTimeMillis());
        return proposer.proposeAsync(command).thenApplyAsync(committed -> {
            RevisionCommands.Answer answer = CommandProposer.decoded(committed);
            if (answer.outcome() == RevisionCommands.Outcome.IGNORED) {
                throw new CompletionException(refusedDuringRollout(name));
            }
            refused.remove(name);
            Artifact recorded = answer.artifact();
            if (answer.outcome() == RevisionCommands.Outcome.RECORDED) {
                LOG.info("Stored {} ({} {}, {} bytes, sha256 {}) at revision {}, by {}", name,
                        current.isPresent() && !current.get().deleted() ? "updated" : "new", type.label(),
                        stored.size(), stored.sha256().substring(0, 12), recorded.revision(), by);
            }
            return recorded;
        }, answers);
    }

    /**
     * The artifact's type once it passed validation; a refusal is recorded for status and the
     * console. A file that is gone is not refused (a drop deleted while it was taken up is not a
     * broken artifact): the validator says so with a {@link NoSuchFileException}.
     */
    private ArtifactType validated(String name, Path file) throws InvalidArtifactException, NoSuchFileException {
        try {
            return ArtifactValidator.validate(name, file);
        } catch (InvalidArtifactException e) {
            refuse(name, e.getMessage());
            throw e;
        }
    }

    @Override
    public Optional<Artifact> remove(String name) throws IOException, NoQuorumException {
        refused.remove(name);
        Optional<Artifact> current = machine.latest(name);
        if (current.isEmpty() || current.get().deleted()) {
            return Optional.empty();
        }
        requireRepository();
        RevisionCommands.Answer answer = propose(RevisionCommands.delete(name, authorOf(name, ""),
                System.currentTimeMillis()));
        if (answer.outcome() == RevisionCommands.Outcome.IGNORED) {
            throw refusedDuringRollout(name);
        }
        if (answer.outcome() != RevisionCommands.Outcome.RECORDED) {
            return Optional.empty();
        }
        LOG.info("Removed {} at revision {}", name, answer.artifact().revision());
        return Optional.of(answer.artifact());
    }

    @Override
    public void expectAuthor(String name, String sha256, String user) {
        authors.put(name + "\u0000" + sha256, user);
    }

    private String authorOf(String name, String sha256) {
        String user = authors.remove(name + "\u0000" + sha256);
        return user == null ? Change.DEPLOY_FOLDER : user;
    }

    private void requireRepository() throws NoQuorumException {
        if (machine.repositoryId().isEmpty()) {
            ConsensusState state = consensus.state();
            throw new NoQuorumException(state.hasLeader() ? "the managers are setting up their repository; try again "
                    + "in a few seconds" : state.noQuorumMessage());
        }
    }

    private RevisionCommands.Answer propose(byte[] command) throws IOException, NoQuorumException {
        return proposer.propose(command);
    }

    // ---- staged rollouts

    @Override
    public Optional<Rollout> rollout() {
        return machine.rollout();
    }

    @Override
    public Rollout startRollout(String name, Path file, RolloutPolicy policy, String by)
            throws InvalidArtifactException, IOException, NoQuorumException {
        ArtifactType type = validated(name, file);
        requireRepository();
        requireEveryManagerKnows("a staged rollout");
        Optional<Rollout> running = machine.rollout().filter(Rollout::active);
        if (running.isPresent()) {
            throw refusedDuringRollout(name);
        }
        RolloutTargets targets = rolloutTargetsHeard();
        if (!targets.leftOut().isEmpty()) {
            LOG.info("The staged rollout of {} leaves out workers that follow another repository than {}: {}", name,
                    machine.repositoryId(), targets.leftOut());
        }
        if (!targets.unheard().isEmpty()) {
            LOG.info("The staged rollout of {} counts {}, whose report has not reached manager {} yet", name,
                    targets.unheard(), node.name());
        }
        List<String> workers = targets.workers();
        for (String worker : workers) {
            String version = cluster.view().member(worker).map(ClusterMember::version).orElse("");
            if (!CommandProposer.atLeast(version, STAGED_ROLLOUTS_SINCE)) {
                throw new NoQuorumException("a staged rollout waits until every worker runs version " + STAGED_ROLLOUTS_SINCE
                        + " or later: " + worker + " runs " + version + " and would not know it is held back; upgrade it first");
            }
        }
        List<List<String>> waves = policy.plan(workers);
        if (waves.isEmpty()) {
            throw new RolloutRefusedException("no worker is in the cluster to roll " + name + " out to; upload it "
                    + "without a rollout, or start a worker first");
        }
        BlobStore.Stored stored = blobs.put(file);
        Optional<Artifact> current = machine.latest(name);
        if (current.isPresent() && !current.get().deleted() && current.get().sha256().equals(stored.sha256())) {
            blobs.settled(stored.sha256());
            throw new RolloutRefusedException("the repository already holds this content of " + name + " (revision "
                    + current.get().revision() + "): nothing to roll out");
        }
        String author = by == null ? authorOf(name, stored.sha256()) : by;
        holders.holdByMajority(stored.sha256(), stored.size(), name);
        RevisionCommands.Answer answer = propose(RolloutCommands.start(name, type, stored.sha256(), stored.size(), author,
                System.currentTimeMillis(), waves, policy.settleSeconds(), policy.maxErrorRate()));
        switch (answer.outcome()) {
            case RECORDED -> {
                refused.remove(name);
                awaitApplied(answer.artifact().revision());
                Rollout started = machine.rollout().orElseThrow();
                LOG.info("Rolling out {} (revision {}) in {} waves ({}), by {}", name, started.toRevision(),
                        waves.size(), policy.describe(), author);
                return started;
            }
            case UNCHANGED -> throw new RolloutRefusedException("the repository already holds this content of " + name
                    + ": nothing to roll out");
            default -> throw refusedDuringRollout(name);
        }
    }

    @Override
    public void advance(long toRevision, int admitted) throws IOException, NoQuorumException {
        requireRepository();
        propose(RolloutCommands.advance(toRevision, admitted, System.currentTimeMillis()));
    }

    @Override
    public void pause(long toRevision, String by) throws IOException, NoQuorumException {
        step(RolloutCommands.pause(toRevision, by, System.currentTimeMillis(), false), toRevision, "paused");
    }

    @Override
    public void resume(long toRevision, String by) throws IOException, NoQuorumException {
        step(RolloutCommands.pause(toRevision, by, System.currentTimeMillis(), true), toRevision, "resumed");
    }

    @Override
    public void halt(long toRevision, String reason, String by, boolean aborted) throws IOException, NoQuorumException {
        Optional<Rollout> current = machine.rollout().filter(r -> r.toRevision() == toRevision && r.active());
        if (current.isPresent()) {
            // the content of the revision it rolls back to is held by a majority already: it was current
            step(RolloutCommands.halt(toRevision, reason, by, System.currentTimeMillis(), aborted), toRevision,
                    aborted ? "aborted" : "halted");
        } else {
            step(null, toRevision, aborted ? "aborted" : "halted");
        }
    }

    private void step(byte[] command, long toRevision, String what) throws IOException, NoQuorumException {
        requireRepository();
        Optional<Rollout> before = machine.rollout();
        if (command != null && propose(command).outcome() == RevisionCommands.Outcome.RECORDED) {
            awaitStepApplied(before);
            return;
        }
        Optional<Rollout> now = machine.rollout();
        throw new RolloutRefusedException(now.isEmpty() ? "there is no staged rollout to be " + what
                : now.get().toRevision() != toRevision ? "the rollout of revision " + toRevision + " is not the current one"
                        + " (that is revision " + now.get().toRevision() + ")"
                        : "the rollout of " + now.get().artifact() + " is " + now.get().state().label()
                                + " and cannot be " + what);
    }

    /**
     * Waits (up to the commit timeout) until this manager has applied a committed rollout step: a
     * follower hears of the commit before it applies it, and the caller answers with the new state.
     */
    private void awaitStepApplied(Optional<Rollout> before) throws IOException {
        awaitApplied(() -> !machine.rollout().equals(before), "the rollout step was committed, but manager "
                + node.name() + " has not applied it within " + COMMIT_TIMEOUT.toSeconds() + " s; GET /api/rollout shows it");
    }

    /** The nodes a change can be rolled out to: every member that runs artifacts, see {@link RolloutTargets}. */
    private RolloutTargets rolloutTargets() {
        String id = machine.repositoryId();
        List<NodeDeployment> reported = new ArrayList<>();
        DeploymentStatus status = reports;
        if (status != null) {
            reported.addAll(status.nodes());
        }
        DeployedArtifacts self = local;
        if (self != null) {
            reported.removeIf(n -> n.node().equals(node.name()));
            reported.add(self.current());
        }
        return RolloutTargets.of(cluster.view().in(io.carbide.cluster.SubDomain.WORKER).stream()
                .map(ClusterMember::name).toList(), reported, id);
    }

    /**
     * The rollout's workers once those in the view have reported, or after {@link #REPORTS_WAIT}:
     * a worker that just joined, or a manager that just started, has its report within a few
     * seconds, and only then is it known which repository the worker follows. One still unheard is
     * counted (see {@link RolloutTargets}).
     */
    private RolloutTargets rolloutTargetsHeard() {
        long deadline = System.nanoTime() + REPORTS_WAIT.toNanos();
        RolloutTargets targets = rolloutTargets();
        while (!targets.unheard().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            targets = rolloutTargets();
        }
        return targets;
    }

    private RolloutRefusedException refusedDuringRollout(String what) {
        Optional<Rollout> running = machine.rollout().filter(Rollout::active);
        String which = running.map(r -> "the staged rollout of " + r.artifact() + " (revision " + r.toRevision()
                + ", wave " + r.currentWave() + " of " + r.waves().size() + ", " + r.state().label() + ")")
                .orElse("a staged rollout");
        return new RolloutRefusedException(what + " was not changed: " + which + " is in progress and only it may change "
                + "the repository until it ends; wait for it, or abort it (POST /api/rollout/abort)");
    }

    /**
     * The cluster's default rollout policy, when {@code carbide.rollout.waves} (or the canary) is set;
     * an invalid one puts its one-line reason into {@code problem[0]}.
     */
    static Optional<RolloutPolicy> defaultRolloutPolicy(java.util.function.Function<String, String> property,
            String[] problem) {
        String canary = property.apply("carbide.rollout.canary");
        String waves = property.apply("carbide.rollout.waves");
        if ((canary == null || canary.isBlank()) && (waves == null || waves.isBlank())) {
            return Optional.empty();
        }
        try {
            RolloutPolicy policy = RolloutPolicy.parse(canary, waves, property.apply("carbide.rollout.settleSeconds"),
                    property.apply("carbide.rollout.maxErrorRate"));
            LOG.info("Every upload, dropped file and configuration change is rolled out in waves by default: {}",
                    policy.describe());
            return Optional.of(policy);
        } catch (IllegalArgumentException e) {
            problem[0] = "the default rollout policy (carbide.rollout.canary, .waves, .settleSeconds, .maxErrorRate) is "
                    + "not valid: " + e.getMessage() + "; fix it and restart the manager";
            LOG.error("{}; until then this manager records no upload, dropped file or configuration change", problem[0]);
            return Optional.empty();
        }
    }

    @Override
    public void rolloutChanged(Rollout rollout) {
        Handoff.hand(events, () -> notifyListeners(machine.revision()));
    }

    /** Counted at most every 5 s (the console shows it four times a second), and again after each change. */
    @Override
    public long diskBytes() {
        long now = System.currentTimeMillis();
        long[] cached = diskUsage;
        if (now - cached[1] < 5_000) {
            return cached[0];
        }
        long bytes;
        try {
            bytes = blobs.usage();
        } catch (IOException e) {
            bytes = -1;
        }
        diskUsage = new long[] {bytes, now};
        return bytes;
    }

    @Override
    public long retainedFrom() {
        return machine.retainedFrom();
    }

    @Override
    public List<Change> rollback(long target, String user)
            throws RevisionNotFoundException, IOException, NoQuorumException {
        requireRepository();
        checkReachable(target);
        requireEveryManagerKnows("a rollback");
        // bytes before entries, as for any change: the content it brings back is held by a majority first
        for (Artifact artifact : machine.stateAt(target).values()) {
            if (artifact.deleted()) {
                continue;
            }
            if (content(artifact.sha256()).isEmpty() && !fetched(artifact)) {
                throw new IOException("the content of " + artifact.name() + " at revision " + target + " (sha256 "
                        + artifact.sha256().substring(0, 12) + ") is not on manager " + node.name()
                        + " yet; it is being fetched from another manager, try again in a moment");
            }
            holders.holdByMajority(artifact.sha256(), artifact.size(), artifact.name());
        }
        long before = machine.revision();
        RevisionCommands.Answer answer = propose(RevisionCommands.rollback(target, user, System.currentTimeMillis()));
        switch (answer.outcome()) {
            case IGNORED -> throw refusedDuringRollout("revision " + target);
            case ABSENT, GONE -> checkReachable(target); // changed meanwhile: says which
            case RECORDED -> {
                long last = answer.artifact().revision();
                awaitApplied(last); // a follower hears of the commit before it applies it
                return machine.history(Optional.empty()).stream().filter(change -> change.artifact().revision() > before
                        && change.artifact().revision() <= last && change.rollbackTo() == target).toList();
            }
            default -> {
            }
        }
        return List.of();
    }

    /** Has the content fetched from another manager, waiting up to 15 s for it. */
    private boolean fetched(Artifact artifact) throws IOException {
        holders.ensureHeld(artifact);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (content(artifact.sha256()).isPresent()) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching the content of " + artifact.name(), e);
            }
        }
        return false;
    }

    /** Waits (up to the commit timeout) until this manager has applied {@code revision}. */
    private void awaitApplied(long revision) throws IOException {
        awaitApplied(() -> machine.revision() >= revision, "revision " + revision + " was committed, but manager "
                + node.name() + " has not applied it within " + COMMIT_TIMEOUT.toSeconds() + " s; GET /api/history shows it");
    }

    private void awaitApplied(BooleanSupplier applied, String lateMessage) throws IOException {
        try {
            if (!machine.await(applied, COMMIT_TIMEOUT)) {
                throw new IOException(lateMessage);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for this manager to apply a committed change", e);
        }
    }

    private void checkReachable(long target) throws RevisionNotFoundException {
        long current = machine.revision();
        if (target < 1 || target > current) {
            throw new RevisionNotFoundException("revision " + target + " does not exist: the repository's revisions run "
                    + "from 1 to " + current, false);
        }
        long retainedFrom = machine.retainedFrom();
        if (target < retainedFrom) {
            throw new RevisionNotFoundException("revision " + target + " is no longer retained: the repository keeps "
                    + retention + ", from revision " + retainedFrom + " on (" + RetentionPolicy.REVISIONS + ", "
                    + RetentionPolicy.DAYS + ")", true);
        }
    }

    /**
     * The leader asks the managers to drop the history the retention policy no longer keeps; every
     * manager then deletes the content only that history referred to ({@link #compacted}). Not
     * after every change: once the point has moved by a tenth of what the policy keeps.
     */
    private void applyRetention() {
        retentionDue.set(false);
        try {
            if (machine.repositoryId().isEmpty() || !consensus.state().isLeader()) {
                return;
            }
            long point = retention.pointFor(machine, System.currentTimeMillis());
            if (point - machine.retainedFrom() >= Math.max(1, retention.keepRevisions() / 10)) {
                requireEveryManagerKnows("a compaction");
                propose(RevisionCommands.compact(point));
            }
        } catch (IOException | NoQuorumException | RuntimeException e) {
            String why = String.valueOf(e.getMessage() == null ? e : e.getMessage());
            if (!why.equals(lastRetentionProblem)) {
                lastRetentionProblem = why;
                LOG.warn("The retention policy was not applied: {}; it is tried again every minute", why);
            }
        }
    }

    /** ROLLBACK, COMPACT and ROLLOUT are commands a manager of an earlier version cannot read ({@link CommandProposer}). */
    private void requireEveryManagerKnows(String what) throws NoQuorumException {
        proposer.requireEveryManagerKnows(what);
    }

    @Override
    public void compacted(long retainedFrom) {
        Handoff.hand(housekeeping, () -> {
            try {
                BlobStore.Collected collected = blobs.collect(sha -> !machine.refersTo(sha) && !backingUp.containsKey(sha),
                        COLLECT_GRACE_MILLIS);
                diskUsage = new long[] {diskUsage[0], 0};
                if (collected.blobs() > 0) {
                    LOG.info("Manager {} deleted {} stored contents ({} bytes) that no revision from {} on refers to",
                            node.name(), collected.blobs(), collected.bytes(), retainedFrom);
                }
            } catch (IOException e) {
                LOG.warn("Manager {} could not delete the content its history no longer refers to: {}; the next "
                        + "compaction tries again", node.name(), e.getMessage());
            }
        });
    }

    // ---- what the consensus applied, here

    @Override
    public void applied(Change change, Artifact before) {
        if (!change.artifact().deleted()) {
            blobs.settled(change.artifact().sha256());
        }
        Handoff.hand(events, () -> {
            // only what is still current: a restart replays old changes whose content may be collected
            if (machine.latest(change.artifact().name()).filter(change.artifact()::equals).isPresent()) {
                holders.ensureHeld(change.artifact());
            }
            diskUsage = new long[] {diskUsage[0], 0};
            notifyListeners(change.artifact().revision());
        });
        if (retentionDue.compareAndSet(false, true)) {
            Handoff.hand(housekeeping, this::applyRetention);
        }
    }

    @Override
    public void replaced() {
        Handoff.hand(events, () -> {
            holders.ensureHeld(machine.retainedContent());
            notifyListeners(machine.revision());
        });
    }

    private void notifyListeners(long changed) {
        for (RepositoryListener listener : listeners) {
            try {
                listener.revisionChanged(changed);
            } catch (RuntimeException e) {
                LOG.warn("A repository listener failed on revision {}: {}", changed, e.toString());
            }
        }
    }

    /**
     * A new consensus has no repository yet. A manager that kept one with history (an earlier
     * version's, or the survivor's of a lost majority) carries it over, the leader at once, a
     * follower after a moment (the leader may carry its own); otherwise the leader starts one after
     * giving such a manager the time to (or carries its empty one, keeping its id). The first of
     * these to commit wins; the state machine ignores the others, and a manager whose own history
     * lost keeps it aside ({@link RevisionExport}). A recovery carries the repository into its next
     * generation, so the workers take its full state.
     */
    @Override
    public void consensusChanged(ConsensusState state) {
        if (events.isShutdown()) {
            return; // stopping: the next start looks at the consensus afresh
        }
        Handoff.hand(events, () -> holders.ensureHeld(machine.retainedContent()));
        if (!state.hasLeader() || !machine.repositoryId().isEmpty() || !beginning.compareAndSet(false, true)) {
            return;
        }
        Optional<RevisionExport.CarriedOver> carried = export.carriedOver();
        boolean history = carried.isPresent() && !carried.get().history().isEmpty();
        if (!history && !state.isLeader()) {
            beginning.set(false);
            return; // nothing worth carrying: the leader begins
        }
        long delay = history ? (state.isLeader() ? 0 : 1_000) : state.members().size() == 1 ? 0 : NEW_REPOSITORY_DELAY_MILLIS;
        Handoff.handLater(events, () -> {
            try {
                if (!machine.repositoryId().isEmpty()) {
                    return;
                }
                if (carried.isPresent()) {
                    long generation = carried.get().generation() + 1;
                    LOG.info("Carrying repository {} ({} changes) into the managers' consensus as generation {}",
                            carried.get().repositoryId(), carried.get().history().size(), generation);
                    propose(RevisionCommands.restore(carried.get().repositoryId(), System.currentTimeMillis(),
                            carried.get().history(), generation, carried.get().retainedFrom()));
                } else if (consensus.state().isLeader()) {
                    propose(RevisionCommands.init(UUID.randomUUID().toString(), System.currentTimeMillis()));
                }
            } catch (IOException | NoQuorumException e) {
                LOG.warn("The managers' repository is not set up yet: {}; trying again", e.getMessage());
            } finally {
                beginning.set(false);
            }
            if (machine.repositoryId().isEmpty()) {
                Handoff.handLater(events, () -> consensusChanged(consensus.state()), 1_000);
            }
        }, delay);
    }

    // ---- backups

    @Override
    public RepositoryBackup.Summary write(java.io.OutputStream out, Map<String, byte[]> alongside) throws IOException {
        List<String> pinned = new ArrayList<>();
        RevisionStateMachine.BackupView view = machine.backupView(shas -> {
            pinned.addAll(shas);
            shas.forEach(sha -> backingUp.merge(sha, 1, Integer::sum));
        });
        try {
            if (view.repositoryId().isEmpty()) {
                throw new IOException("the managers have no repository yet; back up once " + node.name() + " shows one");
            }
            if (view.rolloutActive()) {
                throw new IOException("a staged rollout is running; back up once it has ended (bin/carbide rollout status)");
            }
            RepositoryBackup.Summary summary = RepositoryArchive.write(view, blobs, node.name(), out, alongside);
            LOG.info("Backed up repository {} at revision {}: {} artifacts, {} contents, {} bytes", summary.repositoryId(),
                    summary.revision(), summary.artifacts(), summary.contents(), summary.bytes());
            return summary;
        } finally {
            pinned.forEach(sha -> backingUp.computeIfPresent(sha, (k, n) -> n == 1 ? null : n - 1));
        }
    }

    // ---- content other managers ask this one to hold

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        return holders.handle(from, message);
    }

    // ---- refusals and status

    @Override
    public void recordRefusal(String name, String reason) {
        refused.put(name, new Refusal(name, reason, System.currentTimeMillis()));
        if (refused.size() > REFUSALS_KEPT) {
            refused.values().stream().min(Comparator.comparingLong(Refusal::at))
                    .ifPresent(oldest -> refused.remove(oldest.name()));
        }
    }

    @Override
    public void forgetRefusal(String name) {
        refused.remove(name);
    }

    private void refuse(String name, String reason) {
        recordRefusal(name, reason);
        LOG.warn("Artifact refused, not stored or replicated: {}", reason);
    }

    @Override
    public List<Refusal> refusals() {
        return refused.values().stream().sorted(Comparator.comparingLong(Refusal::at)).toList();
    }

    /** Committed artifacts whose content this manager does not hold (yet). */
    List<String> missingContent() {
        List<String> missing = new ArrayList<>();
        for (Artifact artifact : machine.artifacts()) {
            if (blobs.get(artifact.sha256()).isEmpty()) {
                missing.add(artifact.name());
            }
        }
        return missing;
    }

    @Override
    public String section() {
        return "repository";
    }

    @Override
    public Object status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("id", machine.repositoryId());
        status.put("generation", machine.generation());
        status.put("revision", machine.revision());
        status.put("term", consensus.state().term());
        status.put("retainedFrom", machine.retainedFrom());
        status.put("retention", Map.of("revisions", retention.keepRevisions(), "days", retention.keepFor().toDays()));
        status.put("diskBytes", diskBytes());
        List<String> missing = missingContent();
        status.put("holdsAllContent", missing.isEmpty());
        status.put("missingContent", missing);
        damagedNames.removeIf(name -> !missing.contains(name)); // fetched again since
        status.put("damagedContent", List.copyOf(damagedNames));
        List<Map<String, Object>> stored = new ArrayList<>();
        for (Artifact artifact : machine.artifacts()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", artifact.name());
            entry.put("type", artifact.type().label());
            entry.put("revision", artifact.revision());
            entry.put("sha256", artifact.sha256());
            entry.put("size", artifact.size());
            entry.put("state", "stored");
            stored.add(entry);
        }
        status.put("artifacts", stored);
        status.put("refused", refusals().stream().map(r -> Map.of("name", r.name(), "reason", r.reason())).toList());
        return status;
    }

    @Override
    public Map<String, Object> health() {
        return Map.of("repositoryRevision", machine.revision());
    }

    /** A manager whose consensus never agreed on a repository has nothing to offer yet. */
    @Override
    public Readiness readiness() {
        if (machine.repositoryId().isEmpty()) {
            ConsensusState state = consensus.state();
            return Readiness.starting("the managers have not agreed on a repository yet ("
                    + (state.hasLeader() ? "leader " + state.leader() : state.noQuorumMessage()) + ")");
        }
        return Readiness.ready();
    }
}
