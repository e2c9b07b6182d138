package io.carbide.deployment.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.MembershipListener;
import io.carbide.cluster.MessageHandler;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.DeployedArtifacts;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.RepositoryListener;
import io.carbide.deployment.WebAppHost;
import io.carbide.deployment.protocol.ReplicationProtocol;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
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
 * Keeps this node's artifacts in step with the authority's repository. On start it deploys its
 * local copy at once (a restarted worker serves even with no manager up); then, whenever the
 * authority announces a revision, the view changes or a partition heals, it asks for the changes
 * since its revision, fetches and verifies what it lacks, deploys in revision order (tombstones
 * undeploy), records progress after each step, and reports every artifact's state back.
 *
 * <p>All of that runs on one thread, so changes apply strictly in order. The node is ready for
 * client traffic once it has caught up with the authority it follows (or when there is none).
 */
@Component(service = {NodeStatusContributor.class, MembershipListener.class, MessageHandler.class,
        RepositoryListener.class, DeployedArtifacts.class}, immediate = true,
        property = MessageHandler.TYPE + "=" + ReplicationProtocol.ANNOUNCE)
public class DeploymentAgent implements NodeStatusContributor, MembershipListener, MessageHandler,
        RepositoryListener, DeployedArtifacts {

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentAgent.class);
    private static final String LOCAL = "local";

    private final NodeIdentity node;
    private final Cluster cluster;
    private final LocalState store;
    private final VerifiedBlobs blobs;
    private final Map<ArtifactType, Deployer> deployers;
    private final ConfigurationGuard guard;
    private final Map<String, Artifact> held = new ConcurrentHashMap<>();
    private final Map<String, ArtifactState> states = new ConcurrentHashMap<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-deployment");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean syncScheduled = new AtomicBoolean();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ArtifactRepository localRepository;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile WebAppHost webAppHost;

    private volatile String repositoryId = "";
    private volatile long revision;
    private volatile long authorityRevision;
    private volatile String syncedWith;
    private volatile boolean restored;
    private volatile String lastProblem;
    private int failures;

    @Activate
    public DeploymentAgent(@Reference NodeIdentity node, @Reference Cluster cluster,
            @Reference ConfigurationAdmin configAdmin, BundleContext context) throws IOException {
        this.node = node;
        this.cluster = cluster;
        Path dir = node.base().resolve("data/deployment");
        this.store = new LocalState(dir.resolve("state.json"));
        this.blobs = new VerifiedBlobs(dir.resolve("blobs"));
        ConfigurationDeployer configurations = new ConfigurationDeployer(configAdmin);
        this.deployers = Map.of(ArtifactType.BUNDLE, new BundleDeployer(context),
                ArtifactType.CONFIGURATION, configurations,
                ArtifactType.WEBAPP, new WebAppDeployer(dir.resolve("webapps"), () -> webAppHost));
        this.guard = node.isReadOnly() ? new ConfigurationGuard(node, configurations, context) : null;
        if (guard != null) {
            context.registerService(ConfigurationListener.class, guard, null);
        }
        worker.execute(this::restore);
    }

    @Deactivate
    void deactivate() {
        worker.shutdownNow();
    }

    // ---- start: the local copy first

    private void restore() {
        try {
            LocalState.Snapshot snapshot = store.read();
            repositoryId = snapshot.repositoryId();
            revision = snapshot.revision();
            for (Artifact artifact : snapshot.artifacts().stream().sorted(Comparator.comparingLong(Artifact::revision))
                    .toList()) {
                Optional<Path> content = blobs.get(artifact.sha256());
                if (content.isEmpty()) {
                    LOG.warn("The local copy of {} is missing; it will be fetched again", artifact.name());
                    repositoryId = ""; // forces a full sync
                    continue;
                }
                held.put(artifact.name(), artifact);
                states.put(artifact.name(), deployers.get(artifact.type()).deploy(artifact, content.get()));
            }
            if (!held.isEmpty()) {
                LOG.info("Node {} serves its local copy: {} artifacts at revision {}", node.name(), held.size(), revision);
            }
        } catch (IOException e) {
            LOG.error("Node {} could not read its local deployment state ({}); it starts empty and syncs in full",
                    node.name(), e.getMessage());
            repositoryId = "";
            revision = 0;
        }
        restored = true;
        scheduleSync(0);
    }

    // ---- triggers

    @Override
    public void viewChanged(ClusterView view) {
        scheduleSync(0);
    }

    @Override
    public void revisionChanged(long changed) {
        scheduleSync(0);
    }

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        ReplicationProtocol.Announce announce = ReplicationProtocol.announce(message);
        if (cluster.authority().filter(a -> a.name().equals(from.name())).isPresent()) {
            authorityRevision = Math.max(authorityRevision, announce.revision());
            if (!announce.repositoryId().equals(repositoryId) || announce.revision() > revision) {
                scheduleSync(0);
            }
        }
        return null;
    }

    private void scheduleSync(long delayMillis) {
        if (syncScheduled.compareAndSet(false, true) && !worker.isShutdown()) {
            worker.schedule(this::sync, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    // ---- sync

    /** The authority to follow: this node's own repository when it is its own authority. */
    private Optional<ArtifactSource> source() {
        Optional<ClusterMember> authority = cluster.authority();
        ArtifactRepository local = localRepository;
        if (local != null && (authority.isEmpty() || authority.get().name().equals(node.name()))) {
            return Optional.of(new LocalSource(local));
        }
        return authority.map(a -> new RemoteSource(cluster, a.name()));
    }

    private static String key(ArtifactSource source) {
        return source instanceof LocalSource ? LOCAL : source.name();
    }

    private void sync() {
        syncScheduled.set(false);
        Optional<ArtifactSource> found = source();
        if (found.isEmpty()) {
            return;
        }
        ArtifactSource source = found.get();
        try {
            ReplicationProtocol.Changes changes = source.sync(repositoryId, revision);
            authorityRevision = changes.revision();
            apply(changes, source);
            syncedWith = key(source);
            failures = 0;
            lastProblem = null;
            report(source);
            if (authorityRevision > revision) {
                scheduleSync(0);
            }
        } catch (IOException | RuntimeException e) {
            String problem = "Node " + node.name() + " could not sync from " + source.name() + ": " + e.getMessage();
            if (!problem.equals(lastProblem)) {
                LOG.warn("{}; retrying", problem);
            }
            lastProblem = problem;
            failures++;
            scheduleSync(Math.min(10_000, 250L << Math.min(failures, 6)));
        }
    }

    private void apply(ReplicationProtocol.Changes changes, ArtifactSource source) throws IOException {
        if (!changes.repositoryId().equals(repositoryId)) {
            LOG.info("Node {} follows repository {} from {}: {} artifacts at revision {}", node.name(),
                    changes.repositoryId(), source.name(), changes.artifacts().size(), changes.revision());
        }
        List<Artifact> work = new ArrayList<>(changes.artifacts());
        if (changes.full()) {
            Set<String> wanted = work.stream().map(Artifact::name).collect(Collectors.toSet());
            for (Artifact gone : List.copyOf(held.values())) {
                if (!wanted.contains(gone.name())) {
                    undeploy(gone, changes.revision());
                }
            }
        }
        work.sort(Comparator.comparingLong(Artifact::revision));
        long lastSaved = System.nanoTime();
        for (Artifact change : work) {
            applyOne(change, source);
            if (!changes.full()) {
                revision = change.revision(); // every change up to here is in: a consistent point to resume from
            }
            if (System.nanoTime() - lastSaved > 1_000_000_000L) {
                save();
                lastSaved = System.nanoTime();
            }
        }
        repositoryId = changes.repositoryId();
        revision = changes.revision();
        save();
        blobs.keepOnly(held.values().stream().map(Artifact::sha256).collect(Collectors.toSet()));
    }

    private void applyOne(Artifact change, ArtifactSource source) throws IOException {
        Artifact current = held.get(change.name());
        if (change.deleted()) {
            if (current != null) {
                undeploy(current, change.revision());
            }
            return;
        }
        ArtifactState state = states.get(change.name());
        if (current != null && current.sha256().equals(change.sha256()) && state != null
                && !ArtifactState.FAILED.equals(state.state())) {
            held.put(change.name(), change);
            states.put(change.name(), new ArtifactState(change.name(), change.revision(), change.sha256(),
                    state.state(), state.reason()));
            return;
        }
        Path content = blobs.receive(change.sha256(), change.size(), out -> source.fetch(change, out));
        if (current != null && current.type() != change.type()) {
            deployers.get(current.type()).undeploy(current);
        }
        ArtifactState result = deployers.get(change.type()).deploy(change, content);
        held.put(change.name(), change);
        states.put(change.name(), result);
        if (ArtifactState.FAILED.equals(result.state())) {
            LOG.warn("Node {} could not deploy {} (revision {}): {}", node.name(), change.name(), change.revision(),
                    result.reason());
        } else {
            LOG.info("Deployed {} (revision {}, {}): {}", change.name(), change.revision(), change.type().label(),
                    result.state());
        }
    }

    private void undeploy(Artifact artifact, long atRevision) {
        deployers.get(artifact.type()).undeploy(artifact);
        held.remove(artifact.name());
        states.remove(artifact.name());
        LOG.info("Undeployed {} (revision {})", artifact.name(), atRevision);
    }

    private void save() throws IOException {
        store.write(new LocalState.Snapshot(repositoryId, revision, List.copyOf(held.values())));
    }

    private void report(ArtifactSource source) {
        if (source instanceof RemoteSource) {
            cluster.authority().ifPresent(authority -> cluster.sendTo(authority.name(),
                    ReplicationProtocol.encode(new ReplicationProtocol.Report(revision, sortedStates()))));
        }
    }

    private List<ArtifactState> sortedStates() {
        return states.values().stream().sorted(Comparator.comparing(ArtifactState::name)).toList();
    }

    // ---- what others see

    @Override
    public NodeDeployment current() {
        return new NodeDeployment(node.name(), revision, sortedStates(), System.currentTimeMillis());
    }

    @Override
    public boolean isReady() {
        if (!restored || cluster.isJoining()) {
            return false;
        }
        Optional<ArtifactSource> source = source();
        return source.isEmpty() || (key(source.get()).equals(syncedWith) && revision >= authorityRevision);
    }

    @Override
    public String section() {
        return "deployment";
    }

    @Override
    public Object status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("revision", revision);
        status.put("authorityRevision", authorityRevision);
        status.put("source", source().map(ArtifactSource::name).orElse(null));
        status.put("inSync", isReady());
        if (lastProblem != null) {
            status.put("problem", lastProblem);
        }
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (ArtifactState state : sortedStates()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", state.name());
            Artifact artifact = held.get(state.name());
            entry.put("type", artifact == null ? null : artifact.type().label());
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
        health.put("revision", revision);
        health.put("authorityRevision", authorityRevision);
        return health;
    }
}
