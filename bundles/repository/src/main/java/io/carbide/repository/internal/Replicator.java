package io.carbide.repository.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ContentChannel;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.ConsensusListener;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.MembershipListener;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.SubDomain;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.DeployedArtifacts;
import io.carbide.deployment.DeploymentStatus;
import io.carbide.deployment.FleetAuthority;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.RepositoryListener;
import io.carbide.deployment.Rollout;
import io.carbide.deployment.StagedRollouts;
import io.carbide.deployment.protocol.ReplicationProtocol;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
 * The manager's side of replication. It announces its repository (id, revision, and whether it
 * is the fleet's authority, as {@link FleetLineage} decides) to the worker sub-domain on every
 * change, view change and decision change; answers the sync requests of the nodes that follow its
 * repository with the changes they lack, and fetches with content chunks; and takes every node's
 * report. Nodes never send changes back, so replication cannot loop.
 */
@Component(service = {RepositoryListener.class, MembershipListener.class, MessageHandler.class,
        DeploymentStatus.class, FleetAuthority.class, NodeStatusContributor.class, ConsensusListener.class}, immediate = true,
        property = {MessageHandler.TYPE + "=" + ReplicationProtocol.SYNC,
                MessageHandler.TYPE + "=" + ReplicationProtocol.FETCH,
                MessageHandler.TYPE + "=" + ReplicationProtocol.REPORT})
public class Replicator implements RepositoryListener, MembershipListener, MessageHandler, DeploymentStatus,
        FleetAuthority, NodeStatusContributor, ConsensusListener {

    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);

    /** Announcements also go out this often, so a lost one or a missed decision heals by itself. */
    private static final long ANNOUNCE_EVERY_MILLIS = 5_000;

    private final NodeIdentity node;
    private final ArtifactRepository repository;
    private final StagedRollouts rollouts;
    private final Cluster cluster;
    private final FleetLineage lineage;
    /** The repository's content, served on the content port: where workers fetch artifact bytes. */
    private final AutoCloseable serving;
    /** What the last announcement said of this manager being the authority; null before the first. */
    private volatile Boolean announcedAuthority;
    private final ScheduledExecutorService announcer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-announcer");
        thread.setDaemon(true);
        return thread;
    });

    /** On a default (dual-mode) node, what this node itself runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeployedArtifacts local;
    /**
     * The content held by answers being built at once, in kilobytes: a whole fleet syncing after
     * one announcement costs at most a few megabytes of heap, not a megabyte per node. Counted in
     * bytes, not answers: eight workers syncing one small web application each fit many times over,
     * where a count of four answers sent the other four to fetch it on the content port, one more
     * round trip each. An answer that does not fit goes without, and its node fetches as before.
     */
    private final Semaphore inlineKilobytes = new Semaphore(4 * ReplicationProtocol.INLINE_BUDGET / 1024);
    /** Which workers fetch a large artifact from which peers, so that the managers send it only a few times. */
    private final PeerSources peers;
    private final SilentWorkers silent = new SilentWorkers();

    @Activate
    public Replicator(@Reference NodeIdentity node, @Reference ArtifactRepository repository,
            @Reference StagedRollouts rollouts, @Reference Cluster cluster, @Reference ManagerConsensus consensus,
            @Reference ContentChannel content, org.osgi.framework.BundleContext context) {
        this.node = node;
        this.peers = new PeerSources(peerFanout(context.getProperty(PEER_FANOUT)));
        this.repository = repository;
        this.rollouts = rollouts;
        this.cluster = cluster;
        this.lineage = new FleetLineage(node, cluster, repository, consensus::state, () -> local);
        announcer.scheduleWithFixedDelay(this::announceAndWatch, ANNOUNCE_EVERY_MILLIS, ANNOUNCE_EVERY_MILLIS,
                TimeUnit.MILLISECONDS);
        this.serving = content.serve(repository::content);
    }

    /** Workers a worker serves a large artifact to; 0 has the managers serve every worker themselves. */
    static final String PEER_FANOUT = "carbide.replication.peerFanout";
    private static final int DEFAULT_PEER_FANOUT = 3;

    static int peerFanout(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PEER_FANOUT;
        }
        try {
            return Math.max(0, Integer.parseInt(value.strip()));
        } catch (NumberFormatException e) {
            LOG.warn("{} = '{}' is not a whole number; using {}", PEER_FANOUT, value, DEFAULT_PEER_FANOUT);
            return DEFAULT_PEER_FANOUT;
        }
    }

    @Deactivate
    void deactivate() throws Exception {
        serving.close();
        announcer.shutdownNow();
    }

    @Override
    public void revisionChanged(long revision) {
        announce();
    }

    /** Sends the announcement from the announcer's own thread: never on JGroups' delivery thread, which flow control may block. */
    private void announce() {
        Handoff.hand(announcer, this::announceNow);
    }

    /** @return whether an announcement went out (none while this manager has no repository) */
    private boolean announceNow() {
        Optional<ReplicationProtocol.Announce> announcement = announcement();
        announcement.ifPresent(a -> {
            announcedAuthority = a.authority(); // what every worker was told last; a greeting is not
            cluster.sendTo(SubDomain.WORKER, ReplicationProtocol.encode(a));
        });
        return announcement.isPresent();
    }

    /** The periodic announcement, and a warning for each worker whose reports never reach this manager. */
    private void announceAndWatch() {
        try {
            if (announceNow()) { // else workers have had no announcement to answer
                warnOfSilentWorkers();
            }
        } catch (RuntimeException e) {
            // a task of a fixed delay that throws is never run again: the announcements must go on
            LOG.warn("Manager {} could not announce its repository this time: {}", node.name(), e.toString());
        }
    }

    private void warnOfSilentWorkers() {
        for (io.carbide.cluster.ClusterMember worker : silent.check(cluster.view(), lineage.reported(),
                System.currentTimeMillis())) {
            LOG.warn("Manager {} has had no report from {} in the {} s since it began announcing to it: {} is busy "
                    + "for that long (a restore of a large local copy), or its messages do not reach this manager (its "
                    + "fleet view lacks it, and rollouts count it unheard). The path: {}", node.name(), worker.name(),
                    SilentWorkers.SILENT_AFTER_MILLIS / 1000, worker.name(), cluster.linkTo(worker.name()));
        }
    }

    /**
     * Greets one node that follows no manager yet. Its cluster bundle may have joined before its
     * deployment agent listened (the cluster starts early, to set up its stack while Jetty starts), so
     * the announcement that greeted its join went unheard; its first report, sent once its agent
     * listens, tells this manager so. A node that already follows a manager is not answered: its
     * reports after every sync would otherwise bring an announcement, and that another sync.
     */
    private void greet(String member) {
        Handoff.hand(announcer, () -> announcement().ifPresent(announcement -> cluster.sendTo(member,
                ReplicationProtocol.encode(announcement))));
    }

    private Optional<ReplicationProtocol.Announce> announcement() {
        if (!cluster.isJoined() || repository.id().isEmpty()) {
            return Optional.empty();
        }
        boolean authority = lineage.current().isAuthority();
        long revision = repository.revision(); // before the rollout: a change read with no gate would go out ungated
        Optional<Rollout> staged = rollouts.rollout().filter(Rollout::active);
        return Optional.of(new ReplicationProtocol.Announce(repository.id(),
                revision, repository.term(), authority, repository.generation(),
                staged.map(Rollout::fromRevision).orElse(ReplicationProtocol.Announce.NOT_HELD),
                staged.map(Rollout::admittedNodes).orElse(List.of())));
    }

    /**
     * Whether the workers were last told something else than what is decided now: e.g. a new worker
     * joined, the announcement to it went out while its report was awaited (not the authority yet),
     * and its report has just settled it.
     */
    private boolean announcedOtherwise() {
        Boolean announced = announcedAuthority;
        return announced == null || announced != lineage.current().isAuthority();
    }

    /** A new leader (or none) changes who the authority is: the workers hear it at once. */
    @Override
    public void consensusChanged(ConsensusState state) {
        lineage.logIfChanged();
        announce();
    }

    @Override
    public void viewChanged(ClusterView view) {
        lineage.viewChanged(view);
        // tell newcomers (and everyone after a merge) where this repository stands
        announce();
        // and once more when the nodes' reports have had time to arrive, in case that decided it
        try {
            announcer.schedule(() -> {
                if (lineage.logIfChanged() || announcedOtherwise()) {
                    announceNow();
                }
            }, 3_100, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the component is going
        }
    }

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        switch (message.type()) {
            case ReplicationProtocol.SYNC -> {
                ReplicationProtocol.Sync sync = ReplicationProtocol.sync(message);
                if (repository.id().isEmpty()) {
                    throw new IOException("the managers of " + node.name() + " have not agreed on a repository yet");
                }
                if (!sync.repositoryId().isEmpty() && !sync.repositoryId().equals(repository.id())) {
                    throw new IOException("node " + from.name() + " follows repository " + sync.repositoryId()
                            + "; " + node.name() + " holds repository " + repository.id());
                }
                ReplicationProtocol.Changes changes = repository.changesFor(sync, from.name());
                if (changes.full() && !sync.repositoryId().isEmpty()) {
                    // a node that asked what follows its revision and is given the whole state is ahead
                    // of this repository or parted from it: it refuses that state, or takes it as it
                    // stands holding every byte of it already, so no content or peers are worth sending
                    return ReplicationProtocol.encode(changes);
                }
                if (message.version() >= 4) { // an older node would skip the peers, and serves none
                    Set<String> present = new HashSet<>();
                    cluster.view().members().forEach(m -> present.add(m.name()));
                    changes = changes.withPeers(peers.sourcesFor(from.name(), changes.artifacts(), present::contains));
                }
                // a node of version 2 would skip the content and fetch it anyway
                Map<Artifact, Path> small = message.version() < 3 ? Map.of() : smallContent(changes);
                int kilobytes = (int) ((small.keySet().stream().mapToLong(Artifact::size).sum() + 1023) / 1024);
                if (small.isEmpty() || !inlineKilobytes.tryAcquire(kilobytes)) {
                    return ReplicationProtocol.encode(changes);
                }
                try {
                    return ReplicationProtocol.encode(withContent(changes, small));
                } finally {
                    inlineKilobytes.release(kilobytes);
                }
            }
            case ReplicationProtocol.FETCH -> {
                return chunk(ReplicationProtocol.fetch(message));
            }
            case ReplicationProtocol.REPORT -> {
                ReplicationProtocol.Report report = ReplicationProtocol.report(message);
                if (lineage.reported(from, report) || announcedOtherwise()) {
                    announce();
                } else if (report.source().isEmpty()) {
                    greet(from.name());
                }
                return null;
            }
            default -> throw new IOException("unexpected message " + message.type());
        }
    }

    /**
     * The artifacts whose content an answer carries, up to {@link ReplicationProtocol#INLINE_BUDGET}
     * bytes (one per digest): a batch of a thousand small web applications then costs one answer,
     * not a thousand fetches. Content this manager does not hold yet (a follower still catching up
     * on it) takes none of the budget: the node fetches it, and the next small artifacts ride along.
     * Each is given with the file holding its content, found once.
     */
    private Map<Artifact, Path> smallContent(ReplicationProtocol.Changes changes) {
        Map<Artifact, Path> small = new LinkedHashMap<>();
        Set<String> digests = new HashSet<>();
        long budget = ReplicationProtocol.INLINE_BUDGET;
        for (Artifact artifact : changes.artifacts()) {
            if (artifact.deleted() || artifact.size() > ReplicationProtocol.MAX_INLINE || artifact.size() > budget
                    || digests.contains(artifact.sha256())) {
                continue;
            }
            Optional<Path> blob = repository.content(artifact.sha256());
            if (blob.isPresent()) {
                digests.add(artifact.sha256());
                small.put(artifact, blob.get());
                budget -= artifact.size();
            }
        }
        return small;
    }

    /** The changes with the content of {@code small}; what cannot be read now is fetched as usual. */
    private ReplicationProtocol.Changes withContent(ReplicationProtocol.Changes changes, Map<Artifact, Path> small) {
        Map<String, byte[]> inline = new LinkedHashMap<>();
        small.forEach((artifact, blob) -> {
            try {
                byte[] content = Files.readAllBytes(blob);
                if (content.length == artifact.size()) {
                    inline.put(artifact.sha256(), content);
                }
            } catch (IOException unreadable) {
                // gone or unreadable since it was checked: the node fetches it, and hears why from there
            }
        });
        return inline.isEmpty() ? changes : changes.withInline(inline);
    }

    /** Content is addressed by digest, so any holder may serve it to anyone in the cluster. */
    private ClusterMessage chunk(ReplicationProtocol.Fetch fetch) throws IOException {
        Path blob = repository.content(fetch.sha256()).orElseThrow(() -> new IOException("no content with sha256 "
                + fetch.sha256() + " in the repository of " + node.name()));
        try (FileChannel channel = FileChannel.open(blob, StandardOpenOption.READ)) {
            long remaining = Math.max(0, channel.size() - fetch.offset());
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(fetch.length(), remaining));
            while (buffer.hasRemaining() && channel.read(buffer, fetch.offset() + buffer.position()) >= 0) {
                // keep reading until the chunk is full
            }
            return ReplicationProtocol.chunk(buffer.array());
        }
    }

    // ---- the authority

    @Override
    public Decision current() {
        return lineage.current();
    }

    @Override
    public Decision await(Duration timeout) throws InterruptedException {
        return lineage.await(timeout);
    }

    @Override
    public FleetMove moveFleetHere(Collection<String> nodes) {
        return lineage.moveHere(nodes);
    }

    @Override
    public List<NodeDeployment> nodes() {
        return lineage.nodes();
    }

    // ---- status

    @Override
    public String section() {
        return "replication";
    }

    @Override
    public Object status() {
        Map<String, Object> status = new LinkedHashMap<>();
        long current = repository.revision();
        Decision decision = lineage.current();
        status.put("authority", decision.isAuthority());
        status.put("authorityNode", decision.authority().isEmpty() ? null : decision.authority());
        status.put("acceptsChanges", decision.acceptsChanges());
        if (!decision.acceptsChanges()) {
            status.put("notRecording", decision.reason());
        }
        status.put("repositoryId", repository.id());
        status.put("revision", current);
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (NodeDeployment deployment : nodes()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            boolean sameLineage = deployment.repositoryId().equals(repository.id());
            entry.put("node", deployment.node());
            entry.put("repositoryId", deployment.repositoryId());
            entry.put("revision", deployment.revision());
            entry.put("behind", sameLineage ? Math.max(0, current - deployment.revision()) : null);
            entry.put("source", deployment.source());
            entry.put("failed", deployment.artifacts().stream().filter(a -> ArtifactState.FAILED.equals(a.state()))
                    .map(a -> Map.of("name", a.name(), "reason", a.reason())).toList());
            entry.put("ignored", deployment.ignored());
            nodes.add(entry);
        }
        status.put("nodes", nodes);
        return status;
    }

    @Override
    public Map<String, Object> health() {
        Decision decision = lineage.current();
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("authority", decision.authority().isEmpty() ? null : decision.authority());
        return health;
    }
}
