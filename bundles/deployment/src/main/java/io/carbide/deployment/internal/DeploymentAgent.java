package io.carbide.deployment.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.MembershipListener;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.SubDomain;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.DeployedArtifacts;
import io.carbide.deployment.DeploymentProgress;
import io.carbide.deployment.FleetAuthority;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.RepositoryListener;
import io.carbide.deployment.RunningDigest;
import io.carbide.deployment.WebAppHost;
import io.carbide.deployment.protocol.ReplicationProtocol;
import io.carbide.node.DiskRoom;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Readiness;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's artifacts in step with the repository it follows (its lineage). On start it
 * verifies and deploys its local copy at once (a restarted worker serves even with no manager
 * up); then, whenever a manager of its lineage announces a revision, the view changes or a
 * partition heals, it asks that manager for the changes since its revision, fetches and verifies
 * what it lacks, deploys in revision order (tombstones undeploy), records progress after each
 * step, and reports every artifact's state to every manager.
 *
 * <p>It never applies anything from a repository other than its own: a manager rebuilt from
 * scratch, or a second manager with a repository of its own, cannot make it drop what it runs.
 * A node that follows nothing yet adopts the repository of the manager that is the authority;
 * moving to another one is an operator's explicit action (an {@value ReplicationProtocol#ADOPT}
 * message from a manager, or {@code -Dcarbide.lineage.adopt=ID|any} at start).
 *
 * <p>All of that runs on one thread, so changes apply strictly in order; only the content of a
 * batch's next changes is fetched ahead on others ({@link FetchAhead}).
 */
@Component(service = {NodeStatusContributor.class, MembershipListener.class, MessageHandler.class,
        RepositoryListener.class, DeployedArtifacts.class, DeploymentProgress.class}, immediate = true,
        property = {MessageHandler.TYPE + "=" + ReplicationProtocol.ANNOUNCE,
                MessageHandler.TYPE + "=" + ReplicationProtocol.ADOPT})
public class DeploymentAgent implements NodeStatusContributor, MembershipListener, MessageHandler,
        RepositoryListener, DeployedArtifacts, DeploymentProgress {

    static final String ADOPT_PROPERTY = "carbide.lineage.adopt";
    private static final long NO_SOURCE_RETRY_MILLIS = 500;
    /** A sync that left this node behind runs again after this, never in a tight loop. */
    private static final long AGAIN_MILLIS = 50;
    private static final long BEHIND_RETRY_MILLIS = 1_000;
    private static final long RETRY_FIRST_MILLIS = 1_000;
    private static final long RETRY_MAX_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentAgent.class);

    private final NodeIdentity node;
    private final Cluster cluster;
    private final LocalCopy copy;
    private final ConfigurationGuard guard;
    private final ServiceRegistration<ConfigurationListener> guardRegistration;
    private final ManagerOffers offers;
    private final Freshness freshness;
    /** Every step runs here in turn; one that hangs is logged with where it stands (after 30 s). */
    private final WatchedWorker worker = new WatchedWorker("carbide-deployment", 30);
    private ScheduledFuture<?> nextSync;
    /** The next retry of what did not settle, and the wait before it (doubling up to a minute). */
    private ScheduledFuture<?> retry;
    private long retryWait;
    private long nextSyncAt;
    /** Where artifact bytes come from, beside the cluster channel. */
    private final io.carbide.cluster.ContentChannel content;
    /** This node's verified content offered to its peers on the content port, until the agent stops. */
    private final AutoCloseable serving;
    /** Artifact content received from managers and peers since start (the metrics' bytes fetched). */
    private final LongAdder fetchedBytes = new LongAdder();
    /** Which managers have this node's report, and when to send it to one again. */
    private final ReportedManagers reportedTo = new ReportedManagers();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ArtifactRepository localRepository;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile FleetAuthority localAuthority;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile WebAppHost webAppHost;

    /** The repository this node follows; empty until it adopts one. */
    private volatile String lineage = "";
    private volatile long revision;
    /**
     * The stamp of the change at {@code revision}, as the managers gave it (empty when not known):
     * a manager whose change at that revision is another one answers with its full state.
     */
    private volatile String stamp = "";
    private volatile long term;
    private final Object termLock = new Object();
    /** The generation of the repository followed; a recovery of its managers makes a new one. */
    private volatile long generation;
    /** A repository an operator told this node to move to ("any": the authority's), or null. */
    private volatile String adopting;
    /**
     * The manager an operator's move came through, or null (the start option): the one whose state
     * this node takes when the move names the repository it already follows.
     */
    private volatile String adoptingFrom;
    private volatile String syncedWith;
    private volatile long sourceRevision;
    private volatile boolean restored;
    /** What the last report said this node runs: a check reports again only when it changed. */
    private volatile RunningDigest lastRunning = RunningDigest.NONE;
    private volatile boolean lastSyncFailed;
    /**
     * What this node found when a sync since the last successful one got a full state of its own
     * repository it did not ask for (the manager lost changes this node runs), else null: then an
     * operator's adoption of that same repository takes its full state anew.
     *
     * @param reason what this node says of it, with the command
     * @param manager the manager that answered so; its announcements of that same {@code revision}
     *     bring no sync forward (each would pull its whole state again), a new revision does
     * @param authority whether that manager is the authority: a follower may only be catching up
     *     with it (a failover), so only then do the managers hear it
     */
    private record Ahead(String reason, String manager, long revision, boolean authority) {
    }

    private volatile Ahead aheadOfSources;
    private volatile String lastProblem;
    /** Whether {@link #lastProblem} is this node's own (its disk), not its manager's. */
    private volatile boolean lastProblemHere;
    /** The manager the last sync asked: the one a failed sync's problem is about. */
    private volatile String lastAsked;
    /** Whether the last sync failed because its manager lost changes this node runs ({@link ManagerLostChanges}). */
    private volatile boolean lastSyncMetLostChanges;
    /** What the last report to every manager said of managers that lost changes this node runs ({@link #lostChanges}). */
    private volatile String reportedLostChanges = "";
    private int failures;
    /** Whether the next batch looks at all content, not only what it let go ({@link #dropUnreferencedContent}). */
    private boolean sweepDue = true;

    @Activate
    public DeploymentAgent(@Reference NodeIdentity node, @Reference Cluster cluster,
            @Reference io.carbide.cluster.ContentChannel content, @Reference ConfigurationAdmin configAdmin,
            BundleContext context) throws IOException {
        this.node = node;
        this.cluster = cluster;
        this.content = content;
        Path dir = node.base().resolve("data/deployment");
        this.offers = new ManagerOffers(node.name());
        this.freshness = new Freshness(seconds(context, "carbide.health.startGraceSeconds", 10),
                seconds(context, "carbide.health.maxLagSeconds", 30));
        ConfigurationDeployer configurations = new ConfigurationDeployer(configAdmin);
        VerifiedBlobs blobs = new VerifiedBlobs(dir.resolve("blobs"));
        this.copy = new LocalCopy(node.name(), new LocalState(dir.resolve("state.json")),
                blobs, new BundleDeployer(context, node.roles()),
                Map.of(ArtifactType.CONFIGURATION, configurations,
                        ArtifactType.WEBAPP, new WebAppDeployer(dir.resolve("webapps"), () -> webAppHost)));
        this.guard = node.isReadOnly() ? new ConfigurationGuard(node, configurations, context) : null;
        this.guardRegistration = guard == null ? null
                : context.registerService(ConfigurationListener.class, guard, null);
        // what this node verified, peers may fetch from it: the managers send a large artifact to a
        // few workers and direct the others to them (see Replicator's PeerSources)
        this.serving = content.serve(new io.carbide.cluster.ContentChannel.ContentStore() {
            @Override
            public Optional<Path> content(String sha256) {
                return blobs.servable(sha256);
            }

            @Override
            public Optional<Path> arriving(String sha256) {
                return blobs.arriving(sha256);
            }
        });
        String adopt = context.getProperty(ADOPT_PROPERTY);
        worker.execute(() -> restore(adopt == null || adopt.isBlank() ? null : adopt.strip()));
        long check = Math.max(1, seconds(context, "carbide.deployment.checkSeconds", 30));
        worker.scheduleWithFixedDelay(this::checkLocalCopy, check, check, TimeUnit.SECONDS);
    }

    private static long seconds(BundleContext context, String key, long fallback) {
        String value = context.getProperty(key);
        try {
            return value == null || value.isBlank() ? fallback : Math.max(0, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            LOG.warn("{} = '{}' is not a whole number of seconds; using {}", key, value, fallback);
            return fallback;
        }
    }

    @Deactivate
    void deactivate() throws Exception {
        serving.close();
        if (guardRegistration != null) {
            guardRegistration.unregister(); // a next instance of this component registers its own
        }
        worker.shutdownNow();
        worker.awaitTermination(10, TimeUnit.SECONDS); // its last step must not race the next instance on state.json
    }

    // ---- start: the local copy first

    private void restore(String adopt) {
        try {
            LocalState.Snapshot restoredCopy = copy.restore();
            synchronized (termLock) {
                // before the lineage: an announcement of it raises the term from here on, never below
                term = restoredCopy.term();
            }
            generation = restoredCopy.generation();
            revision = restoredCopy.revision();
            stamp = restoredCopy.stamp();
            lineage = restoredCopy.repositoryId();
            if (!copy.isEmpty()) {
                LOG.info("Node {} serves its local copy: {} artifacts at revision {} of repository {}", node.name(),
                        copy.size(), revision, lineage);
            }
        } catch (IOException e) {
            LOG.error("Node {} could not read its local deployment state ({}); it starts empty and syncs in full",
                    node.name(), e.getMessage());
            lineage = "";
            revision = 0;
            stamp = "";
        }
        if (adopt != null) {
            startAdopting(adopt, null);
        }
        restored = true;
        // the view this agent was given as it bound came before it could report; the managers learn
        // now what it runs, and one that it has not heard yet greets it (see Replicator's REPORT)
        sendReport();
        scheduleRetryIfUnsettled();
        scheduleSync(0);
    }

    // ---- triggers

    @Override
    public void viewChanged(ClusterView view) {
        offers.retainMembers(view);
        String through = adoptingFrom;
        if (through != null && lineage.equals(adopting) && view.member(through).isEmpty()) {
            // only that manager's state was asked for: waiting for it could last for ever
            onAgentThread(() -> callOffAdoptionThrough(through));
        }
        reportedTo.retain(view);
        scheduleSync(0);
        // every manager learns which repository this node follows, also one that just joined
        sendReport();
    }

    @Override
    public void revisionChanged(long changed) {
        scheduleSync(0);
    }

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        if (ReplicationProtocol.ADOPT.equals(message.type())) {
            String repository = ReplicationProtocol.adopt(message).repositoryId();
            if (!from.isIn(SubDomain.MGT)) {
                throw new IOException("only a manager may move node " + node.name() + " to another repository, not "
                        + from.name());
            }
            if (!onAgentThread(() -> startAdopting(repository, from.name()))) {
                // not kept on disk: once it runs again, the operator asks again
                LOG.warn("Node {} is stopping and does not take the state of repository {} that {} asked it to; "
                        + "run bin/carbide adopt {} again once it runs", node.name(), repository, from.name(), node.name());
            }
            return null;
        }
        if (!from.isIn(SubDomain.MGT)) {
            throw new IOException(from.name() + " is not a manager; only managers announce repositories");
        }
        ReplicationProtocol.Announce announce = ReplicationProtocol.announce(message);
        offers.offered(from.name(), announce);
        if (restored && reportedTo.due(from, System.currentTimeMillis())) {
            // a manager that just started may have missed the report sent when it joined the view
            onAgentThread(() -> cluster.sendTo(from.name(), report(lostChanges())));
        }
        if (announce.repositoryId().equals(lineage) && (announce.generation() == generation || generation == 0)) {
            if (announce.authority()) {
                raiseTerm(announce.term()); // from now on, managers of an older term are not followed
            }
            if (announce.revisionFor(node.name()) > revision) { // a staged rollout may hold this node back
                freshness.behind();
            }
        }
        Ahead ahead = aheadOfSources;
        if (!waitingForOperator() || ahead == null || !ahead.manager().equals(from.name())
                || ahead.revision() != announce.revisionFor(node.name())) {
            scheduleSync(0);
        }
        return null;
    }

    /**
     * Moves this node to {@code repository} on its next sync. An operator who repeats a move, or
     * names the repository this node already follows, changes nothing: each move is a full sync
     * that undeploys what the repository lacks, so it happens only when it would change something
     * (or when this node is ahead of every manager of its own repository, see {@link #aheadOfSources}).
     * Naming its own repository while a move to another is pending calls that move off (with the
     * full state of its own, should the move have been cut short half way).
     */
    private void startAdopting(String repository, String through) {
        String by = through == null ? "the start option -D" + ADOPT_PROPERTY + "=" + repository
                : "an operator, through " + through;
        if (repository.equals(adopting)) {
            LOG.info("Node {} is already moving to repository {}; asked again by {}", node.name(), repository, by);
            adoptingFrom = through; // the manager asked last is the one to take that state from
            scheduleSync(0); // a move waiting out a failed sync's backoff is tried now
            return;
        }
        boolean own = repository.equals(lineage);
        if (own && adopting == null && aheadOfSources == null && passedOver().isEmpty()) {
            LOG.info("Node {} already follows repository {}, as asked by {}: nothing to move", node.name(),
                    repository, by);
            return;
        }
        String pending = adopting;
        adoptingFrom = through;
        adopting = repository;
        if (own && pending != null) {
            // a move cut short may have undeployed some of what this node runs: the full state puts it back
            LOG.warn("Node {} stays with repository {}, as asked by {}: its move to {} is called off, and it takes "
                    + "that repository's full state anew", node.name(), repository, by,
                    "any".equals(pending) ? "the authority's repository" : pending);
        } else if (own) {
            LOG.warn("Node {} takes the full state of repository {} anew, as asked by {}: what it lacks will be "
                    + "undeployed", node.name(), repository, by);
        } else {
            LOG.warn("Node {} moves from repository {} to {}, as asked by {}: what the new repository lacks will be "
                    + "undeployed", node.name(), lineage.isEmpty() ? "(none)" : lineage,
                    "any".equals(repository) ? "the authority's" : repository, by);
        }
        scheduleSync(0);
    }

    /** A move to this node's own repository's state through a manager that left is called off. */
    private void callOffAdoptionThrough(String gone) {
        if (gone.equals(adoptingFrom) && lineage.equals(adopting) && cluster.view().member(gone).isEmpty()) {
            adopting = null;
            adoptingFrom = null;
            LOG.warn("Node {} no longer takes the state of repository {} from {}: that manager left the cluster; "
                    + "it keeps what it runs (bin/carbide adopt {} on a manager that is there asks again)",
                    node.name(), lineage, gone, node.name());
            scheduleSync(0);
        }
    }

    /** Runs a sync after the delay, unless one is due sooner; a retry waiting out its backoff is brought forward. */
    private synchronized void scheduleSync(long delayMillis) {
        long at = System.nanoTime() + delayMillis * 1_000_000L;
        if (worker.isShutdown() || (nextSync != null && !nextSync.isDone() && nextSyncAt - at <= 0)) {
            return;
        }
        if (nextSync != null) {
            nextSync.cancel(false);
        }
        nextSyncAt = at;
        try {
            nextSync = worker.schedule(this::sync, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            LOG.debug("Node {} is stopping: its next start syncs", node.name());
        }
    }

    /**
     * Hands a step to the agent's thread from the cluster's (a view, a manager's message). The
     * cluster may deliver while this agent stops: the step is dropped then, never thrown back at
     * the cluster, and the agent's next start restores its copy and reports again.
     *
     * @return whether the agent's thread took the step
     */
    private boolean onAgentThread(Runnable step) {
        try {
            worker.execute(step);
            return true;
        } catch (RejectedExecutionException stopping) {
            LOG.debug("Node {} is stopping: a step from the cluster is left to its next start", node.name());
            return false;
        }
    }

    // ---- sync

    /** The lineage a source must offer: this node's own, or the one it is asked to adopt. */
    private String wanted() {
        String target = adopting;
        return target == null ? lineage : "any".equals(target) ? "" : target;
    }

    /** Where to sync from: this node's own repository on a default node that holds the lineage, else a manager. */
    private Optional<ArtifactSource> source() {
        String want = wanted();
        ArtifactRepository local = localRepository;
        FleetAuthority authority = localAuthority;
        if (local != null && (want.isEmpty() ? authority != null && authority.current().acceptsChanges()
                : local.id().equals(want))) {
            return Optional.of(new LocalSource(local, node.name()));
        }
        // an announcement can come before this node has installed the view it came in with (its
        // join is still under way): that manager is a source once the view has it, which brings a sync
        ClusterView view = cluster.view();
        List<ManagerOffers.Offer> present = sources(want).stream()
                .filter(offer -> view.member(offer.manager()).isPresent()).toList();
        // a move to another repository takes its whole state: only from the best manager of it
        List<String> managers = adopting == null ? offers.syncOrder(present, revision)
                : present.stream().map(ManagerOffers.Offer::manager).toList();
        return managers.isEmpty() ? Optional.empty()
                : Optional.of(new RemoteSource(cluster, content, managers, freshness::progressed,
                        fetchedBytes::add));
    }

    /**
     * The managers this node may follow for {@code want}: its own generation and term, or later
     * ones. An operator who tells this node to take its own repository's state anew names the
     * manager to take it from, whatever its term: one restored from an older copy of its data.
     */
    private List<ManagerOffers.Offer> sources(String want) {
        boolean own = want.equals(lineage);
        if (own && want.equals(adopting)) {
            String through = adoptingFrom;
            return offers.sources(want, 0, 0).stream().filter(o -> through == null || o.manager().equals(through))
                    .toList();
        }
        return offers.sources(want, own ? generation : 0, own ? term : 0);
    }

    /**
     * The managers of this node's own repository it does not follow, when no other manager of it
     * is there: each of an earlier generation or term than this node has seen (one that missed an
     * election, or came back from an older copy of its data). Empty while one it may follow is there.
     */
    private List<ManagerOffers.Offer> passedOver() {
        if (lineage.isEmpty() || !offers.sources(lineage, generation, term).isEmpty() || source().isPresent()) {
            return List.of();
        }
        // a manager that is not the authority may only be catching up with the others: not yet a sign
        return offers.sources(lineage, 0, 0).stream().filter(ManagerOffers.Offer::authority).toList();
    }

    /**
     * Raises the term this node follows to {@code seen}. Announcements raise it on the cluster's
     * threads while a sync that takes a state anew sets it on the agent's: one lock, so a late
     * announcement never puts back the term the state was just taken over from.
     */
    private void raiseTerm(long seen) {
        synchronized (termLock) {
            term = Math.max(term, seen);
        }
    }

    /** Whether the last sync failed because its manager lost changes this node runs (see {@link #aheadOfSources}). */
    private boolean waitingForOperator() {
        return lastSyncMetLostChanges && aheadOfSources != null;
    }

    /** A sync refused: the manager offers a state that lacks changes this node runs ({@link Ahead}). */
    private static final class ManagerLostChanges extends IOException {
        private static final long serialVersionUID = 1L;

        ManagerLostChanges(Ahead ahead) {
            super(ahead.reason());
        }
    }

    /** The end of every "its managers lost changes" line: the command, on that manager, and what it does. */
    private String adoptHint() {
        return "this node keeps what it runs, and bin/carbide adopt " + node.name() + " on that manager makes it "
                + "take that manager's state (what it lacks is undeployed here)";
    }

    /** The newest revision of this node's repository that a manager it may follow announced. */
    private long newest() {
        return offers.newestRevision(lineage, generation, term);
    }

    private void sync() {
        synchronized (this) {
            nextSync = null; // a request from now on schedules another round
        }
        if (!restored) {
            return;
        }
        try {
            syncOnce();
        } finally {
            // the managers show what the node says of them: tell them as soon as that changes
            if (!lostChanges().equals(reportedLostChanges)) {
                sendReport();
            }
        }
    }

    private void syncOnce() {
        offers.noteIgnored(wanted());
        Optional<ArtifactSource> found = source();
        if (found.isEmpty()) {
            // look again soon: announcements bring remote sources, but this node's own repository
            // (on a default node) becomes one when its manager side decides it is the authority
            scheduleSync(NO_SOURCE_RETRY_MILLIS);
            return;
        }
        ArtifactSource source = found.get();
        lastAsked = source.name();
        String want = wanted();
        // a later generation: the repository's managers were recovered from a survivor, which may
        // lack changes this node has; its full state replaces this node's (the operator's recovery)
        boolean recovered = adopting == null && generation > 0 && sources(want).stream().findFirst()
                .map(o -> o.generation() > generation).orElse(false);
        boolean adoption = adopting != null || recovered;
        try {
            ReplicationProtocol.Changes changes = source.sync(adoption ? "" : lineage, adoption ? 0 : revision,
                    adoption ? "" : stamp);
            if (!want.isEmpty() && !changes.repositoryId().equals(want)) {
                offers.ignore(source.name(), changes.repositoryId(), want);
                lastSyncFailed = true;
                lastProblemHere = false;
                return;
            }
            if (recovered) {
                LOG.warn("Node {} takes the full state of repository {} generation {} from {}: its managers were "
                        + "recovered; what the recovered repository lacks is undeployed", node.name(), lineage,
                        changes.generation(), source.name());
            }
            // a full state nobody asked for that holds exactly what this node runs changes nothing
            // here: the managers' history differs (e.g. only their data/ came back from a copy, and
            // the deploy folder recorded the same files again), and this node takes it as it stands
            boolean asItStands = !adoption && !lineage.isEmpty() && changes.full()
                    && copy.holdsExactly(changes.artifacts());
            if (asItStands) {
                LOG.info("Node {} takes revision {} of repository {} from {} as it stands: its history differs "
                        + "from this node's revision {}, but it holds exactly what this node runs", node.name(),
                        changes.revision(), lineage, source.name(), revision);
            }
            if (!adoption && !asItStands && !lineage.isEmpty() && changes.full()) {
                // same repository, but the manager is behind this node, or recorded another change
                // at this node's revision: it lost changes this node runs
                String what = changes.revision() < revision
                        ? "revision " + changes.revision() + " of repository " + lineage + ", behind this node's "
                                + revision + ": its managers lost recent changes"
                        : "repository " + lineage + " at revision " + changes.revision() + ", whose change at "
                                + "revision " + revision + " is not the one this node applied: its managers lost "
                                + "changes and recorded others since";
                boolean authority = offers.sources(want, 0, 0).stream()
                        .anyMatch(o -> o.manager().equals(source.name()) && o.authority());
                Ahead ahead = new Ahead(source.name() + " offers " + what + "; " + adoptHint(), source.name(),
                        changes.revision(), authority);
                aheadOfSources = ahead;
                throw new ManagerLostChanges(ahead);
            }
            sourceRevision = changes.revision();
            long before = revision;
            String unrecorded = apply(changes, source, adoption || asItStands || lineage.isEmpty());
            adopting = null;
            aheadOfSources = null;
            syncedWith = source.name();
            offers.answered(source.name());
            lastSyncMetLostChanges = false;
            if (unrecorded == null) {
                failures = 0;
                lastProblem = null;
                lastProblemHere = false;
                lastSyncFailed = false;
            } else {
                // it runs and serves what its manager sent, and says so; only its record lags (its
                // disk), which the next sync writes again: no fault of the manager's, and not behind
                String problem = "Node " + node.name() + " " + unrecorded;
                if (!DiskRoom.alike(problem, lastProblem)) {
                    LOG.warn("{}; retrying", problem);
                }
                lastProblem = problem;
                lastProblemHere = true;
                lastSyncFailed = true;
                sweepDue = true;
                failures++;
            }
            freshness.synced(revision, Math.max(sourceRevision, newest()));
            if (changes.full()) {
                sendReport();
            } else {
                sendReportAfter(changes.artifacts().stream().map(Artifact::name).collect(Collectors.toSet()));
            }
            scheduleRetryIfUnsettled();
            if (unrecorded != null) {
                scheduleSync(Math.min(10_000, 250L << Math.min(failures, 8)));
            } else if (newest() > revision) {
                // a manager that brought nothing new is behind the newest (a follower asked while the
                // authority does not answer): its next announcement brings the sync forward anyway
                scheduleSync(revision > before ? AGAIN_MILLIS : BEHIND_RETRY_MILLIS);
            }
        } catch (IOException | RuntimeException e) {
            String problem = "Node " + node.name() + " could not sync from " + source.name() + ": " + e.getMessage();
            if (!problem.equals(lastProblem)) {
                LOG.warn("{}; retrying", problem);
            }
            lastProblem = problem;
            lastProblemHere = false;
            lastSyncMetLostChanges = e instanceof ManagerLostChanges;
            sweepDue = true; // a batch cut short may have left content fetched ahead
            if (e.getCause() instanceof java.util.concurrent.TimeoutException
                    && cluster.view().member(source.name()).isPresent()) {
                offers.unanswered(source.name()); // the next try asks another manager first, when there is one
            }
            lastSyncFailed = true;
            failures++;
            // ahead of its managers, this node waits for an operator or a new revision: look rarely
            scheduleSync(Math.min(waitingForOperator() ? 60_000 : 10_000, 250L << Math.min(failures, 8)));
        }
    }

    /**
     * @param replaceAll true when {@code changes} is the full state of a repository this node now adopts
     * @return null once applied and recorded; what went wrong when applied but not recorded (its disk)
     */
    private String apply(ReplicationProtocol.Changes changes, ArtifactSource source, boolean replaceAll) {
        if (!changes.repositoryId().equals(lineage)) {
            LOG.info("Node {} follows repository {} from {}: {} artifacts at revision {}", node.name(),
                    changes.repositoryId(), source.name(), changes.artifacts().size(), changes.revision());
        }
        List<Artifact> work = new ArrayList<>(changes.artifacts());
        if (replaceAll && changes.full()) {
            copy.retainOnly(work.stream().map(Artifact::name).collect(Collectors.toSet()), changes.revision());
        }
        boolean anew = replaceAll || !changes.repositoryId().equals(lineage) || changes.generation() != generation;
        lineage = changes.repositoryId();
        // a repository adopted or recovered, or its state taken anew, starts its terms anew: the old
        // term would filter out the managers it was just taken from
        if (anew) {
            synchronized (termLock) {
                term = changes.term();
            }
        } else {
            raiseTerm(changes.term());
        }
        generation = changes.generation();
        long[] lastSaved = {System.nanoTime()};
        copy.apply(work, source, change -> {
            freshness.progressed();
            if (!changes.full()) {
                revision = change.revision(); // every change up to here is in: a consistent point to resume from
                stamp = ""; // known for the batch's last revision only
            }
            if (System.nanoTime() - lastSaved[0] > 1_000_000_000L) {
                // until a full state is all in, a restart must not take this node for being at its
                // old revision of that state's lineage: it resumes from nothing, asking for every record
                saveQuietly(changes.full() ? 0 : revision, changes.full() ? "" : stamp);
                lastSaved[0] = System.nanoTime();
            }
        });
        revision = changes.revision();
        stamp = changes.stamp();
        try {
            copy.save(lineage, revision, stamp, term, generation);
        } catch (IOException e) {
            // what the batch let go is dropped all the same: on a full disk that is the room the next
            // try needs (the state on disk may name it; a restart then fetches it again)
            dropUnreferencedContent(changes.full());
            return "could not record revision " + revision + " of repository " + lineage + ": " + e.getMessage();
        }
        dropUnreferencedContent(changes.full());
        return null;
    }

    /**
     * A batch drops only the content it let go; every content no held artifact refers to goes after
     * a full state, and after the first batch since a start or a failed sync: what a kill or a batch
     * cut short left behind (a part file, content fetched ahead) is then applied, and so kept, or
     * is no longer wanted. Never earlier: a part file is what a transfer cut short resumes from.
     */
    private void dropUnreferencedContent(boolean full) {
        try {
            if (full || sweepDue) {
                copy.dropAllUnreferencedContent();
                sweepDue = false;
            } else {
                copy.dropUnreferencedContent();
            }
        } catch (IOException e) {
            // what was applied stays applied: the content is dropped at the next sweep
            sweepDue = true;
            LOG.warn("Node {} could not delete content it no longer holds: {}", node.name(), e.getMessage());
        }
    }

    private void saveQuietly(long reached, String reachedStamp) {
        try {
            copy.save(lineage, reached, reachedStamp, term, generation);
        } catch (IOException e) {
            LOG.warn("Node {} could not record its progress ({}); it is recorded at the end of the batch", node.name(),
                    e.getMessage());
        }
    }

    /**
     * Tries again what did not settle (content not fetched, a bundle that did not start), with a
     * growing wait while nothing changes; a new batch tries it too.
     */
    private void retryUnsettled() {
        if (worker.isShutdown() || !restored) {
            return;
        }
        boolean settled = copy.retry(source().orElse(null));
        sendReport();
        if (!settled) {
            retryWait = Math.min(RETRY_MAX_MILLIS, Math.max(RETRY_FIRST_MILLIS, retryWait * 2));
            retry = worker.schedule(this::retryUnsettled, retryWait, TimeUnit.MILLISECONDS);
        } else {
            retryWait = 0;
        }
    }

    /**
     * Now and then (carbide.deployment.checkSeconds, 30 s by default): what this node runs is
     * checked against what it should be ({@link LocalCopy#runningDigest}) and reported when that
     * changed, so the managers show it "diverged", naming the artifacts; what is still diverged at
     * the next check is repaired (see {@link LocalCopy#repair}), so an operator sees a divergence
     * before it is gone, and the managers hear the node is in sync again.
     */
    private void checkLocalCopy() {
        try {
            if (!restored) {
                return;
            }
            if (checkRunning()) {
                sendReport();
                return;
            }
            if (!lastRunning.diverged().isEmpty() && copy.repair(source().orElse(null))) {
                sendReport();
                scheduleRetryIfUnsettled();
            }
        } catch (RuntimeException e) {
            LOG.warn("Node {} could not check its local copy: {}", node.name(), e.toString()); // and tries next time
        }
    }

    /** After a batch or a restore: a retry soon if something did not settle, none otherwise. */
    private void scheduleRetryIfUnsettled() {
        if (retry != null) {
            retry.cancel(false);
        }
        retryWait = 0;
        if (!copy.settled()) {
            retryWait = RETRY_FIRST_MILLIS;
            retry = worker.schedule(this::retryUnsettled, retryWait, TimeUnit.MILLISECONDS);
        }
    }

    /** Every manager hears which repository this node follows and what it runs. */
    private void sendReport() {
        if (restored) {
            // managers are not marked as reported to here: one that joined before its replicator was up
            // dropped this report, and must get another when its first announcement arrives
            String lost = lostChanges();
            cluster.sendTo(SubDomain.MGT, report(lost));
            sentToAll(lost);
        }
    }

    /**
     * After a batch: every manager hears what this node runs, looked at again only for what the
     * batch changed ({@link LocalCopy#runningDigestAfter}). Runs on the agent's thread, as every
     * sync does: only it looks at what runs.
     */
    private void sendReportAfter(Set<String> changed) {
        if (restored) {
            checkRunning(() -> copy.runningDigestAfter(changed));
            String lost = lostChanges();
            cluster.sendTo(SubDomain.MGT, encodeReport(lost));
            sentToAll(lost);
        }
    }

    /** What a report to every manager leaves behind: the lost changes it told, and each manager's refresh put off. */
    private void sentToAll(String lost) {
        reportedLostChanges = lost;
        reportedTo.sentToAll(System.currentTimeMillis());
    }

    /** Checks what this node runs (on the agent's thread only); true when that changed since the last check. */
    private boolean checkRunning() {
        return checkRunning(copy::runningDigest);
    }

    private boolean checkRunning(java.util.function.Supplier<RunningDigest> look) {
        RunningDigest running;
        try {
            running = look.get();
        } catch (RuntimeException e) {
            LOG.warn("Node {} could not check what it runs: {}", node.name(), e.toString()); // keeps the last
            return false;
        }
        if (running.equals(lastRunning)) {
            return false;
        }
        if (!running.diverged().isEmpty()) {
            LOG.warn("Node {} does not run what its manager recorded: {}", node.name(), running.diverged());
        }
        lastRunning = running;
        return true;
    }

    /**
     * The report every manager gets. What the node runs is computed afresh only on the agent's own
     * thread (after a batch, a retry, a check), which is also the one that fetches and replaces
     * content, so a check never races a repair; other threads send the last result.
     */
    private ClusterMessage report(String lostChanges) {
        if (Thread.currentThread() == worker.thread()) {
            checkRunning();
        }
        return encodeReport(lostChanges);
    }

    private ClusterMessage encodeReport(String lost) {
        return ReplicationProtocol.encode(new ReplicationProtocol.Report(lineage, revision, copy.states(),
                syncedWith == null ? "" : syncedWith, offers.ignoredLines(), lastRunning, lost));
    }

    /**
     * Why the managers of this node's repository lost changes it runs, naming the manager and the
     * command that makes this node take its state; empty when no manager it would sync from did.
     */
    private String lostChanges() {
        Ahead ahead = aheadOfSources;
        if (ahead != null && ahead.authority() && waitingForOperator()) {
            return ahead.reason(); // the last answer of the authority said so
        }
        return passedOverReason();
    }

    /** Why this node passes over the managers of its repository that are there, if it does; else empty. */
    private String passedOverReason() {
        List<ManagerOffers.Offer> passedOver = passedOver();
        if (passedOver.isEmpty()) {
            return "";
        }
        ManagerOffers.Offer stale = passedOver.get(0);
        String older = stale.generation() < generation ? "generation " + stale.generation() + ", older than "
                + "this node's " + generation + " (it is from before its managers were recovered)"
                : "term " + stale.term() + ", older than term " + term + " this node has seen (it missed an "
                        + "election, or came back from an older copy of its data)";
        return stale.manager() + " offers repository " + lineage + " at " + older + "; " + adoptHint();
    }


    // ---- what others see

    @Override
    public NodeDeployment current() {
        return new NodeDeployment(node.name(), lineage, revision, copy.states(), syncedWith == null ? "" : syncedWith,
                offers.ignoredLines(), System.currentTimeMillis(), lastRunning, lostChanges());
    }

    @Override
    public Readiness readiness() {
        if (!restored) {
            return Readiness.starting("verifying and deploying its local copy");
        }
        Optional<ArtifactSource> source = source();
        String unreachable = source.isPresent() && !lastSyncFailed ? null : unreachable(source);
        String localCopy = copy.isEmpty() ? null
                : copy.size() + " artifacts at revision " + revision + " of repository " + lineage;
        String waiting = source.map(s -> "catching up with " + s.name() + " (revision " + revision + " of "
                + Math.max(sourceRevision, newest()) + ")")
                .orElse(cluster.isJoining() ? "joining the cluster" : wanted().isEmpty() ? "waiting for a manager"
                        : "waiting for a manager of repository " + wanted());
        String behind = lastSyncFailed && lastProblemHere ? lastProblem : "behind " + (syncedWith == null
                ? "its manager" : syncedWith) + " (revision " + revision + " of " + newest() + ")";
        return freshness.readiness(unreachable, waiting, localCopy, behind);
    }

    /** Why this node is not in step: no manager of its lineage answers (naming how it looks), or one is behind it. */
    private String unreachable(Optional<ArtifactSource> source) {
        Ahead ahead = aheadOfSources;
        String problem = lastProblem;
        if (source.isPresent()) {
            if (lastProblemHere) {
                return problem; // the manager answered; this node could not keep what it sent
            }
            // a manager that answers, but with less than this node runs, is no outage: say what it is
            return ahead != null && waitingForOperator() ? ahead.reason()
                    : (lastAsked == null ? source.get().name() : lastAsked) + " does not answer (" + problem + ")";
        }
        String passed = passedOverReason();
        if (!passed.isEmpty()) {
            return passed; // managers of its repository are there, but of an older generation or term
        }
        String others = offers.anyIgnored() ? " (" + String.join("; ", offers.ignoredLines()) + ")" : "";
        String repository = wanted().isEmpty() ? "no manager" : "no manager of repository " + wanted();
        return repository + " is reachable through " + cluster.discovery() + others;
    }

    @Override
    public long appliedRevision() {
        return revision;
    }

    @Override
    public long targetRevision() {
        return Math.max(revision, Math.max(sourceRevision, newest()));
    }

    @Override
    public long fetchedBytes() {
        return fetchedBytes.sum();
    }

    @Override
    public Map<String, Long> artifactsByState() {
        Map<String, Long> byState = new TreeMap<>();
        for (ArtifactState state : copy.states()) {
            byState.merge(state.state(), 1L, Long::sum);
        }
        return byState;
    }

    @Override
    public String section() {
        return "deployment";
    }

    @Override
    public Object status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("repositoryId", lineage);
        status.put("revision", revision);
        status.put("term", term);
        status.put("generation", generation);
        status.put("sourceRevision", sourceRevision);
        status.put("source", source().map(ArtifactSource::name).orElse(null));
        status.put("inSync", freshness.hasCaughtUp() && revision >= newest());
        if (adopting != null) {
            status.put("adopting", adopting);
        }
        status.put("ignored", offers.ignoredLines());
        // bundles still wired to an updated or removed revision: 0 once every batch has been refreshed in
        status.put("removalPending", copy.removalPending());
        if (lastProblem != null) {
            status.put("problem", lastProblem);
        }
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (ArtifactState state : copy.states()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", state.name());
            entry.put("type", copy.held(state.name()).map(a -> a.type().label()).orElse(null));
            entry.put("revision", state.revision());
            entry.put("sha256", state.sha256());
            entry.put("state", state.state());
            if (!state.reason().isEmpty()) {
                entry.put("reason", state.reason());
            }
            artifacts.add(entry);
        }
        status.put("artifacts", artifacts);
        return status;
    }

    @Override
    public Map<String, Object> health() {
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("repositoryId", lineage);
        health.put("revision", revision);
        health.put("source", syncedWith);
        return health;
    }
}
