package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the repository it follows: the artifacts it holds, their verified content
 * ({@link VerifiedBlobs}), how each is deployed (by the {@link Deployer} of its type) and the file
 * that records all of it ({@link LocalState}). It applies one change at a time; deciding what to
 * apply, and from whom, is the {@link DeploymentAgent}'s job.
 */
final class LocalCopy {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCopy.class);

    private final String nodeName;
    private final LocalState store;
    private final VerifiedBlobs blobs;
    private final Map<ArtifactType, Deployer> deployers;
    private final Map<String, Artifact> held = new ConcurrentHashMap<>();
    private final Map<String, ArtifactState> states = new ConcurrentHashMap<>();

    LocalCopy(String nodeName, LocalState store, VerifiedBlobs blobs, Map<ArtifactType, Deployer> deployers) {
        this.nodeName = nodeName;
        this.store = store;
        this.blobs = blobs;
        this.deployers = deployers;
    }

    /**
     * Deploys what the last run recorded, each artifact only after its content checked out against
     * its digest.
     *
     * @return the recorded state, with its revision lowered below any artifact whose content was
     *     missing or damaged, so that the next sync asks for it again
     */
    LocalState.Snapshot restore() throws IOException {
        LocalState.Snapshot snapshot = store.read();
        long resumeFrom = snapshot.revision();
        for (Artifact artifact : snapshot.artifacts().stream().sorted(Comparator.comparingLong(Artifact::revision))
                .toList()) {
            Optional<Path> content = blobs.verified(artifact.sha256(), artifact.size());
            if (content.isEmpty()) {
                LOG.warn("The local copy of {} is missing or damaged; it will be fetched again", artifact.name());
                resumeFrom = Math.min(resumeFrom, artifact.revision() - 1);
                continue;
            }
            held.put(artifact.name(), artifact);
            states.put(artifact.name(), deployers.get(artifact.type()).deploy(artifact, content.get()));
        }
        return new LocalState.Snapshot(snapshot.format(), snapshot.repositoryId(), resumeFrom, snapshot.term(),
                snapshot.generation(), List.copyOf(held.values()));
    }

    /** Applies one change: fetched (unless its content is here) and verified, then deployed; a tombstone undeploys. */
    void apply(Artifact change, ArtifactSource source) throws IOException {
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
            LOG.warn("Node {} could not deploy {} (revision {}): {}", nodeName, change.name(), change.revision(),
                    result.reason());
        } else {
            LOG.info("Deployed {} (revision {}, {}): {}", change.name(), change.revision(), change.type().label(),
                    result.state());
        }
    }

    /** Undeploys whatever is not in {@code keep}: only for the full state of a repository this node adopts. */
    void retainOnly(Set<String> keep, long atRevision) {
        for (Artifact gone : List.copyOf(held.values())) {
            if (!keep.contains(gone.name())) {
                undeploy(gone, atRevision);
            }
        }
    }

    private void undeploy(Artifact artifact, long atRevision) {
        deployers.get(artifact.type()).undeploy(artifact);
        held.remove(artifact.name());
        states.remove(artifact.name());
        LOG.info("Undeployed {} (revision {})", artifact.name(), atRevision);
    }

    /** Records what is held as applied up to {@code revision} of {@code repositoryId}. */
    void save(String repositoryId, long revision, long term, long generation) throws IOException {
        store.write(new LocalState.Snapshot(LocalState.FORMAT, repositoryId, revision, term, generation,
                List.copyOf(held.values())));
    }

    /** Drops content no held artifact refers to any more. */
    void dropUnreferencedContent() throws IOException {
        blobs.keepOnly(held.values().stream().map(Artifact::sha256).collect(Collectors.toSet()));
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    int size() {
        return held.size();
    }

    Optional<Artifact> held(String name) {
        return Optional.ofNullable(held.get(name));
    }

    List<ArtifactState> states() {
        return states.values().stream().sorted(Comparator.comparing(ArtifactState::name)).toList();
    }
}
