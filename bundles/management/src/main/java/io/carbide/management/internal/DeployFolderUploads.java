package io.carbide.management.internal;

import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactRepository;
import io.carbide.deployment.ArtifactNames;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.FleetAuthority;
import io.carbide.deployment.InvalidArtifactException;
import io.carbide.deployment.Rollout;
import io.carbide.deployment.RolloutPolicy;
import io.carbide.deployment.RolloutRefusedException;
import io.carbide.deployment.StagedRollouts;
import io.carbide.node.DiskRoom;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads and undeploys from the management API, taking the path of a file an operator drops into
 * {@code deploy/} from the repository on: the same validation, the same store (content held by a
 * majority of the managers, then the change committed by them), the same replication, and the
 * folder then shows the result like any committed change. An upload is received into
 * {@code data/management/uploads/}, checked (a bad one is refused before anything changes), and
 * stored; the call answers once the managers committed it, or says why they could not: 409 when
 * the fleet follows another manager's repository, 503 without a majority of managers.
 */
@Component(service = DeployFolderUploads.class)
public class DeployFolderUploads {

    static final String MAX_UPLOAD_PROPERTY = "carbide.management.maxUploadBytes";
    static final long DEFAULT_MAX_UPLOAD = 512L * 1024 * 1024;
    /** How long a request waits for a manager that just joined to know whether it is the authority. */
    private static final Duration DECISION_WAIT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(DeployFolderUploads.class);

    private final ArtifactRepository repository;
    private final StagedRollouts rollouts;
    private final FleetAuthority authority;
    private final Path uploads;
    private final long maxUploadBytes;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** What happened to a request, with the HTTP status that says so. */
    public record Outcome(int status, Map<String, Object> body) {
    }

    /** A refusal, answered with its status and message; nothing was changed. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        public Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    @Activate
    public DeployFolderUploads(@Reference NodeIdentity node, @Reference ArtifactRepository repository,
            @Reference StagedRollouts rollouts, @Reference FleetAuthority authority, BundleContext context)
            throws IOException {
        this.repository = repository;
        this.rollouts = rollouts;
        this.authority = authority;
        this.uploads = node.base().resolve("data/management/uploads");
        this.maxUploadBytes = parseSize(context.getProperty(MAX_UPLOAD_PROPERTY));
        Files.createDirectories(uploads);
        // what a crash left half-received
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(uploads)) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    private static long parseSize(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_UPLOAD;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            LOG.warn("{} = '{}' is not a number of bytes; using {}", MAX_UPLOAD_PROPERTY, value, DEFAULT_MAX_UPLOAD);
            return DEFAULT_MAX_UPLOAD;
        }
    }

    public long maxUploadBytes() {
        return maxUploadBytes;
    }

    /** Checks an artifact name from a URL: a plain file name of a type Carbide deploys. */
    public static String checkName(String name) throws Refused {
        String refusal = ArtifactNames.refusal(name);
        if (refusal != null) {
            throw new Refused(400, refusal);
        }
        if (ArtifactType.of(name).isEmpty()) {
            throw new Refused(400, "'" + name + "' is not a type Carbide deploys: name it .jar (bundle), "
                    + ".cfg or .config (configuration) or .zip (web app)");
        }
        return name;
    }

    /**
     * Receives {@code body} as artifact {@code name} and deploys it.
     *
     * @param declaredLength the request's Content-Length, or -1
     */
    public Outcome upload(String name, InputStream body, long declaredLength, String user) throws Refused, IOException {
        return upload(name, body, declaredLength, user, Optional.empty());
    }

    /**
     * Receives {@code body} as artifact {@code name} and rolls it out in waves by {@code policy}
     * (202, the rollout under way); without one, deploys it to every node at once, unless the
     * cluster's default policy stages it.
     */
    public Outcome upload(String name, InputStream body, long declaredLength, String user,
            Optional<RolloutPolicy> policy) throws Refused, IOException {
        checkName(name);
        requireAuthority();
        if (declaredLength > maxUploadBytes) {
            throw new Refused(413, name + " is " + declaredLength + " bytes, over the upload limit of " + maxUploadBytes
                    + " bytes (" + MAX_UPLOAD_PROPERTY + "); copy it into deploy/ on the manager instead, or raise the limit");
        }
        if (declaredLength > 0) {
            // refused before a byte is read: it is received here, then copied into the repository
            DiskRoom.require(uploads, 2 * declaredLength, name + ", received then stored");
        }
        Path received = uploads.resolve(UUID.randomUUID() + ".part");
        try {
            String sha256 = receive(name, body, received);
            return deploy(name, received, sha256, user, policy);
        } finally {
            Files.deleteIfExists(received);
        }
    }

    private String receive(String name, InputStream body, Path target) throws IOException, Refused {
        MessageDigest digest = sha256();
        long total = 0;
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target), digest)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = body.read(buffer)) > 0;) {
                total += n;
                if (total > maxUploadBytes) {
                    throw new Refused(413, name + " is over the upload limit of " + maxUploadBytes + " bytes ("
                            + MAX_UPLOAD_PROPERTY + "); copy it into deploy/ on the manager instead, or raise the limit");
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw DiskRoom.explain(e, target.getParent(), total, name + " (" + total + " bytes received)");
        }
        if (total == 0) {
            throw new Refused(400, "the upload of " + name + " is empty; send the file's bytes as the request body");
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private Outcome deploy(String name, Path received, String sha256, String user, Optional<RolloutPolicy> policy)
            throws Refused, IOException {
        try {
            repository.check(name, received);
        } catch (InvalidArtifactException e) {
            throw new Refused(422, e.getMessage());
        }
        ReentrantLock lock = locks.computeIfAbsent(name, n -> new ReentrantLock());
        lock.lock();
        try {
            Optional<Artifact> current = live(name);
            if (current.isPresent() && current.get().sha256().equals(sha256)) {
                return new Outcome(200, describe(current.get(), "unchanged"));
            }
            repository.expectAuthor(name, sha256, user);
            if (policy.isPresent()) {
                Rollout started = rollouts.startRollout(name, received, policy.get(), user);
                LOG.info("{} uploaded {} ({}): revision {}, rolled out in waves ({})", user, name, sha256.substring(0, 12),
                        started.toRevision(), policy.get().describe());
                return staged(name, started);
            }
            Artifact recorded = repository.store(name, received);
            LOG.info("{} uploaded {} ({}): revision {}", user, name, sha256.substring(0, 12), recorded.revision());
            Optional<Rollout> staged = rollouts.rollout().filter(r -> r.active() && r.toRevision() == recorded.revision());
            if (staged.isPresent()) { // the cluster's default policy staged it
                return staged(name, staged.get());
            }
            return new Outcome(current.isPresent() ? 200 : 201,
                    describe(recorded, current.isPresent() ? "updated" : "created"));
        } catch (RolloutRefusedException e) {
            throw new Refused(409, e.getMessage());
        } catch (InvalidArtifactException e) {
            throw new Refused(422, e.getMessage());
        } catch (NoQuorumException e) {
            throw new Refused(503, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** Removes an artifact everywhere; its file leaves {@code deploy/} as the managers commit the removal. */
    public Outcome undeploy(String name, String user) throws Refused, IOException {
        checkName(name);
        requireAuthority();
        ReentrantLock lock = locks.computeIfAbsent(name, n -> new ReentrantLock());
        lock.lock();
        try {
            live(name).orElseThrow(() -> new Refused(404, "no artifact named " + name
                    + " is deployed; GET /api/artifacts lists them"));
            repository.expectAuthor(name, "", user);
            Optional<Artifact> tombstone;
            try {
                tombstone = repository.remove(name);
            } catch (RolloutRefusedException e) {
                throw new Refused(409, e.getMessage());
            }
            LOG.info("{} undeployed {}", user, name);
            return tombstone.map(t -> new Outcome(200, describe(t, "removed"))).orElseThrow(() -> new Refused(404,
                    "no artifact named " + name + " is deployed any more; GET /api/artifacts lists them"));
        } catch (NoQuorumException e) {
            throw new Refused(503, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Only changes to the fleet's repository count: elsewhere a change would answer "created" and
     * never reach a worker. 409 names the manager to send it to; 503 while this one cannot tell
     * yet, or its managers have no majority. Rollbacks ask the same.
     */
    public void requireAuthority() throws Refused, IOException {
        FleetAuthority.Decision decision;
        try {
            decision = authority.await(DECISION_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while finding out which manager records changes", e);
        }
        switch (decision.kind()) {
            case SELF, FOLLOWER -> { }
            case OTHER -> throw new Refused(409, decision.reason());
            case UNDECIDED, NO_QUORUM -> throw new Refused(503, decision.reason());
        }
    }

    /** 202: the change is recorded, and reaches the workers wave by wave. */
    private Outcome staged(String name, Rollout rollout) {
        Artifact artifact = repository.history(Optional.of(name)).stream().map(io.carbide.deployment.Change::artifact)
                .filter(a -> a.revision() == rollout.toRevision()).findFirst().orElseThrow();
        Map<String, Object> body = describe(artifact, "rolling out");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("state", rollout.state().label());
        summary.put("waves", rollout.waves());
        summary.put("settleSeconds", rollout.settleSeconds());
        summary.put("maxErrorRate", rollout.maxErrorRate());
        summary.put("status", "/api/rollout");
        body.put("rollout", summary);
        body.put("message", name + " is recorded at revision " + rollout.toRevision() + " and reaches the workers in "
                + rollout.waves().size() + (rollout.waves().size() == 1 ? " wave, " : " waves, ")
                + String.join(" first, then ", rollout.waves().stream()
                        .map(wave -> String.join(",", wave)).toList()) + "; GET /api/rollout follows it");
        return new Outcome(202, body);
    }

    private Optional<Artifact> live(String name) {
        return repository.artifacts().stream().filter(a -> a.name().equals(name)).findFirst();
    }

    static Map<String, Object> describe(Artifact artifact, String change) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", artifact.name());
        body.put("type", artifact.type().label());
        body.put("change", change);
        body.put("revision", artifact.revision());
        body.put("sha256", artifact.sha256());
        body.put("size", artifact.size());
        return body;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
