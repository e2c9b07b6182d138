package io.carbide.repository.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.InvalidArtifactException;
import io.carbide.deployment.RepositoryListener;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's repository in {@code data/repository/}: blobs by SHA-256, the revision log, and
 * the repository's id. Storing the same content under the same name again records nothing, so a
 * manager restart (which sees every file in {@code deploy/} anew) re-sends nothing.
 */
@Component(service = {ArtifactRepository.class, NodeStatusContributor.class}, immediate = true)
public class DiskRepository implements ArtifactRepository, NodeStatusContributor {

    private static final Logger LOG = LoggerFactory.getLogger(DiskRepository.class);
    private static final int REFUSALS_KEPT = 100;

    private final String id;
    private final BlobStore blobs;
    private final RevisionLog log;
    private final List<Artifact> history = new ArrayList<>();
    private final Map<String, Artifact> latest = new LinkedHashMap<>();
    private final Map<String, Refusal> refused = new ConcurrentHashMap<>();
    private final List<RepositoryListener> listeners = new CopyOnWriteArrayList<>();
    private long revision;
    /** Never a number handed out before, even to a change lost in a crash. */
    private long nextRevision;

    @Activate
    public DiskRepository(@Reference NodeIdentity node, @Reference RevisionLogOpener.OpenedLog opened)
            throws IOException {
        Path dir = node.base().resolve("data/repository");
        this.blobs = new BlobStore(dir.resolve("blobs"));
        blobs.removeIncomplete();
        this.id = readOrCreateId(dir.resolve("repository.id"));
        this.log = opened.log();
        history.addAll(opened.history());
        for (Artifact change : history) {
            latest.put(change.name(), change);
            revision = Math.max(revision, change.revision());
        }
        nextRevision = Math.max(revision, log.highWater()) + 1;
        LOG.info("Artifact repository {} at revision {}: {} artifacts", dir, revision, artifacts().size());
    }

    private static String readOrCreateId(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        }
        String created = UUID.randomUUID().toString();
        Path temp = file.resolveSibling("repository.id.tmp");
        Files.writeString(temp, created + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return created;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(RepositoryListener listener) {
        listeners.add(listener);
    }

    void removeListener(RepositoryListener listener) {
        listeners.remove(listener);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public synchronized List<Artifact> artifacts() {
        return latest.values().stream().filter(a -> !a.deleted()).sorted(Comparator.comparing(Artifact::name)).toList();
    }

    @Override
    public synchronized List<Artifact> changesSince(long since) {
        return latest.values().stream().filter(a -> a.revision() > since)
                .sorted(Comparator.comparingLong(Artifact::revision)).toList();
    }

    @Override
    public synchronized List<Artifact> history(Optional<String> name) {
        return history.stream().filter(a -> name.map(n -> n.equals(a.name())).orElse(true)).toList();
    }

    @Override
    public ArtifactType check(String name, Path file) throws InvalidArtifactException {
        return ArtifactValidator.validate(name, file);
    }

    @Override
    public Artifact store(String name, Path file) throws InvalidArtifactException, IOException {
        ArtifactType type;
        try {
            type = ArtifactValidator.validate(name, file);
        } catch (InvalidArtifactException e) {
            refuse(name, e.getMessage());
            throw e;
        }
        BlobStore.Stored stored = blobs.put(file);
        Artifact recorded;
        boolean update;
        synchronized (this) {
            refused.remove(name);
            Artifact current = latest.get(name);
            if (current != null && !current.deleted() && current.sha256().equals(stored.sha256())) {
                return current;
            }
            update = current != null && !current.deleted();
            recorded = new Artifact(name, type, nextRevision, stored.sha256(), stored.size(), false);
            log.append(recorded);
            record(recorded);
        }
        LOG.info("Stored {} ({} {}, {} bytes, sha256 {}) at revision {}", name, update ? "updated" : "new",
                type.label(), stored.size(), stored.sha256().substring(0, 12), recorded.revision());
        notifyListeners(recorded.revision());
        return recorded;
    }

    @Override
    public Optional<Artifact> remove(String name) throws IOException {
        refused.remove(name);
        Artifact tombstone;
        synchronized (this) {
            Artifact current = latest.get(name);
            if (current == null || current.deleted()) {
                return Optional.empty();
            }
            tombstone = new Artifact(name, current.type(), nextRevision, "", 0, true);
            log.append(tombstone);
            record(tombstone);
        }
        LOG.info("Removed {} at revision {}", name, tombstone.revision());
        notifyListeners(tombstone.revision());
        return Optional.of(tombstone);
    }

    private void record(Artifact change) {
        history.add(change);
        latest.put(change.name(), change);
        revision = change.revision();
        nextRevision = revision + 1;
    }

    @Override
    public boolean isStored(String name, Path file) throws IOException {
        Artifact current;
        synchronized (this) {
            current = latest.get(name);
        }
        return current != null && !current.deleted() && Files.size(file) == current.size()
                && BlobStore.digest(file).equals(current.sha256());
    }

    @Override
    public void recordRefusal(String name, String reason) {
        refused.put(name, new Refusal(name, reason, System.currentTimeMillis()));
        if (refused.size() > REFUSALS_KEPT) {
            refused.values().stream().min(Comparator.comparingLong(Refusal::at))
                    .ifPresent(oldest -> refused.remove(oldest.name()));
        }
    }

    private void refuse(String name, String reason) {
        recordRefusal(name, reason);
        LOG.warn("Artifact refused, not stored or replicated: {}", reason);
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

    @Override
    public Optional<Path> content(String sha256) {
        return blobs.get(sha256);
    }

    @Override
    public List<Refusal> refusals() {
        return refused.values().stream().sorted(Comparator.comparingLong(Refusal::at)).toList();
    }

    @Override
    public String section() {
        return "repository";
    }

    @Override
    public synchronized Object status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("id", id);
        status.put("revision", revision);
        List<Map<String, Object>> stored = new ArrayList<>();
        for (Artifact artifact : artifacts()) {
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
        return Map.of("repositoryRevision", revision());
    }
}
