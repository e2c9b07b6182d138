package io.carbide.repository.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.MembershipListener;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.SubDomain;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.DeploymentStatus;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.RepositoryListener;
import io.carbide.deployment.protocol.ReplicationProtocol;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authority's side of replication. It announces every new revision to the worker sub-domain,
 * answers nodes' sync requests with the changes they lack and their fetches with content chunks,
 * and keeps what each node reports: the revision it applied and each artifact's state. Only the
 * authority (the oldest manager) announces or answers; nodes never send changes back, so
 * replication cannot loop.
 */
@Component(service = {RepositoryListener.class, MembershipListener.class, MessageHandler.class,
        DeploymentStatus.class, NodeStatusContributor.class}, immediate = true,
        property = {MessageHandler.TYPE + "=" + ReplicationProtocol.SYNC,
                MessageHandler.TYPE + "=" + ReplicationProtocol.FETCH,
                MessageHandler.TYPE + "=" + ReplicationProtocol.REPORT})
public class Replicator implements RepositoryListener, MembershipListener, MessageHandler, DeploymentStatus,
        NodeStatusContributor {

    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);

    private final NodeIdentity node;
    private final ArtifactRepository repository;
    private final Cluster cluster;
    private final Map<String, NodeDeployment> reports = new ConcurrentHashMap<>();
    private volatile boolean authority;

    @Activate
    public Replicator(@Reference NodeIdentity node, @Reference ArtifactRepository repository,
            @Reference Cluster cluster) {
        this.node = node;
        this.repository = repository;
        this.cluster = cluster;
    }

    @Override
    public void revisionChanged(long revision) {
        announce();
    }

    private void announce() {
        if (cluster.view().selfIsAuthority()) {
            cluster.sendTo(SubDomain.WORKER,
                    ReplicationProtocol.encode(new ReplicationProtocol.Announce(repository.id(), repository.revision())));
        }
    }

    @Override
    public void viewChanged(ClusterView view) {
        boolean nowAuthority = view.selfIsAuthority();
        if (nowAuthority && !authority) {
            LOG.info("Node {} is the authority of cluster domain {}: it replicates revision {} to the workers",
                    node.name(), view.domain(), repository.revision());
        } else if (!nowAuthority && view.authority().isPresent() && !view.authority().get().name().equals(node.name())) {
            LOG.info("Node {} is not the authority (that is {}): files dropped here are stored but not replicated",
                    node.name(), view.authority().get().name());
        }
        authority = nowAuthority;
        Set<String> present = view.members().stream().map(ClusterMember::name).collect(Collectors.toSet());
        reports.keySet().retainAll(present);
        // tell newcomers (and everyone after a merge) where the repository stands
        announce();
    }

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        switch (message.type()) {
            case ReplicationProtocol.SYNC -> {
                requireAuthority();
                return changesFor(ReplicationProtocol.sync(message));
            }
            case ReplicationProtocol.FETCH -> {
                requireAuthority();
                return chunk(ReplicationProtocol.fetch(message));
            }
            case ReplicationProtocol.REPORT -> {
                ReplicationProtocol.Report report = ReplicationProtocol.report(message);
                reports.put(from.name(), new NodeDeployment(from.name(), report.revision(), report.artifacts(),
                        System.currentTimeMillis()));
                logFailures(from, report);
                return null;
            }
            default -> throw new IOException("unexpected message " + message.type());
        }
    }

    private void requireAuthority() throws IOException {
        if (!cluster.view().selfIsAuthority()) {
            throw new IOException("node " + node.name() + " is not the authority; ask "
                    + cluster.authority().map(ClusterMember::name).orElse("the oldest manager"));
        }
    }

    private ClusterMessage changesFor(ReplicationProtocol.Sync sync) {
        long current = repository.revision();
        boolean sameRepository = repository.id().equals(sync.repositoryId());
        if (sameRepository && sync.revision() <= current) {
            return ReplicationProtocol.encode(new ReplicationProtocol.Changes(repository.id(), current, false,
                    repository.changesSince(sync.revision())));
        }
        // another repository, or a revision from the future: the node starts over from the full state
        return ReplicationProtocol.encode(new ReplicationProtocol.Changes(repository.id(), current, true,
                repository.artifacts()));
    }

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

    private void logFailures(ClusterMember from, ReplicationProtocol.Report report) {
        for (ArtifactState state : report.artifacts()) {
            if (ArtifactState.FAILED.equals(state.state())) {
                LOG.warn("Node {} could not deploy {} (revision {}): {}", from.name(), state.name(), state.revision(),
                        state.reason());
            }
        }
    }

    @Override
    public List<NodeDeployment> nodes() {
        return reports.values().stream().sorted(Comparator.comparing(NodeDeployment::node)).toList();
    }

    @Override
    public String section() {
        return "replication";
    }

    @Override
    public Object status() {
        Map<String, Object> status = new LinkedHashMap<>();
        long current = repository.revision();
        status.put("authority", cluster.view().selfIsAuthority());
        status.put("revision", current);
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (NodeDeployment deployment : nodes()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("node", deployment.node());
            entry.put("revision", deployment.revision());
            entry.put("behind", Math.max(0, current - deployment.revision()));
            entry.put("failed", deployment.artifacts().stream().filter(a -> ArtifactState.FAILED.equals(a.state()))
                    .map(a -> Map.of("name", a.name(), "reason", a.reason())).toList());
            nodes.add(entry);
        }
        status.put("nodes", nodes);
        return status;
    }
}
