package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.RunningDigest;
import io.carbide.node.DiskRoom;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the repository it follows: the artifacts it holds, their verified content
 * ({@link VerifiedBlobs}), how each is deployed and the file that records all of it
 * ({@link LocalState}). Changes arrive in batches (a sync's worth, or the whole copy at start):
 * web applications and configurations are deployed as they come, bundles are staged and then
 * settled together ({@link BundleDeployer}), so the order they arrive in does not matter. An
 * artifact whose content cannot be fetched, or that does not deploy, is reported failed and
 * blocks nothing else; {@link #retry} tries it again. Deciding what to apply, and from whom, is
 * the {@link DeploymentAgent}'s job.
 */
final class LocalCopy {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCopy.class);
    /** Artifacts of this size or more have the time they took logged. */
    private static final long LARGE = 8L << 20;

    private final String nodeName;
    private final LocalState store;
    private final VerifiedBlobs blobs;
    private final BundleDeployer bundles;
    private final Map<ArtifactType, Deployer> others;
    private final Map<String, Artifact> held = new ConcurrentHashMap<>();
    /** By name, kept in order: every report after a batch lists them all. */
    private final Map<String, ArtifactState> states = new ConcurrentSkipListMap<>();
    /** What the last look found for each held artifact ({@link #runningDigest}). */
    private final Map<String, Look> looked = new ConcurrentHashMap<>();

    /** One artifact as last looked at: why it does not run as recorded ("" when it does), and its state then. */
    private record Look(String why, ArtifactState state, boolean missing) {
    }
    /** Said after a refusal for want of room: the operator frees space, nothing more. */
    private static final String ONCE_THERE_IS_ROOM = "; it is deployed by itself once there is room";
    /** Held artifacts whose content is not here yet, or had no room to deploy: tried again on {@link #retry}. */
    private final Set<String> missing = ConcurrentHashMap.newKeySet();
    /** The content of artifacts replaced or removed since {@link #dropUnreferencedContent} last ran. */
    private final Set<String> released = ConcurrentHashMap.newKeySet();

    LocalCopy(String nodeName, LocalState store, VerifiedBlobs blobs, BundleDeployer bundles,
            Map<ArtifactType, Deployer> others) {
        this.nodeName = nodeName;
        this.store = store;
        this.blobs = blobs;
        this.bundles = bundles;
        this.others = others;
    }

    /**
     * Deploys what the last run recorded, as one batch, each artifact only after its content
     * checked out against its digest: the same result as deploying it live.
     *
     * @return the recorded state, with its revision lowered below any artifact whose content was
     *     missing or damaged, so that the next sync asks for it again
     */
    LocalState.Snapshot restore() throws IOException {
        LocalState.Snapshot snapshot = store.read();
        long resumeFrom = snapshot.revision();
        for (Artifact artifact : inRevisionOrder(snapshot.artifacts())) {
            Optional<Path> content = blobs.verified(artifact.sha256(), artifact.size());
            if (content.isEmpty()) {
                LOG.warn("The local copy of {} is missing or damaged; it will be fetched again", artifact.name());
                resumeFrom = Math.min(resumeFrom, artifact.revision() - 1);
                continue;
            }
            held.put(artifact.name(), artifact);
            deploy(artifact, content.get());
        }
        settleBundles();
        // resumed from an earlier revision, the stamp recorded (of the later one) says nothing of it
        return new LocalState.Snapshot(snapshot.format(), snapshot.repositoryId(), resumeFrom, snapshot.term(),
                snapshot.generation(), resumeFrom == snapshot.revision() ? snapshot.stamp() : "",
                List.copyOf(held.values()));
    }

    /**
     * Applies changes in revision order (fetching and verifying what is not here; a tombstone
     * undeploys), then settles the bundles of the batch together.
     *
     * @param applied told after each change, for progress
     */
    void apply(List<Artifact> changes, ArtifactSource source, java.util.function.Consumer<Artifact> applied) {
        List<Artifact> ordered = inRevisionOrder(changes);
        try (FetchAhead ahead = new FetchAhead(ordered, blobs, artifact -> receive(artifact, source))) {
            for (int i = 0; i < ordered.size(); i++) {
                int index = i;
                applyOne(ordered.get(i), source, artifact -> ahead.content(index, artifact));
                applied.accept(ordered.get(i));
            }
        }
        settleBundles();
    }

    private void applyOne(Artifact change, ArtifactSource source, FetchAhead.Fetch content) {
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
        if (current != null && current.type() != change.type()) {
            undeployContent(current);
        }
        if (current != null && !current.sha256().equals(change.sha256())) {
            released.add(current.sha256());
        }
        held.put(change.name(), change);
        fetchAndDeploy(change, source, content);
    }

    /**
     * The artifact's content, here already or fetched from the source and verified. Content that
     * came (in part) from peers and does not match is fetched once more from the managers alone:
     * a peer's damaged copy must not fail the artifact (and halt a staged rollout).
     */
    private Path receive(Artifact artifact, ArtifactSource source) throws IOException {
        VerifiedBlobs.Transfer transfer = (out, from) -> {
            if (from > 0) {
                LOG.info("Resuming {} at byte {} of {}: an earlier transfer of it stopped there", artifact.name(),
                        from, artifact.size());
            }
            source.fetch(artifact, from, out);
        };
        try {
            return blobs.receive(artifact.sha256(), artifact.size(), artifact.name(), transfer);
        } catch (VerifiedBlobs.ContentMismatchException e) {
            String servedBy = source.servedBy(artifact);
            if (!source.withoutPeers(artifact)) {
                throw e;
            }
            LOG.warn("{} from {} did not match its digest ({}); fetching it again from the managers", artifact.name(),
                    servedBy, e.getMessage());
            return blobs.receive(artifact.sha256(), artifact.size(), artifact.name(), transfer);
        }
    }

    private void fetchAndDeploy(Artifact artifact, ArtifactSource source, FetchAhead.Fetch fetch) {
        Path content;
        long start = System.nanoTime();
        try {
            content = fetch.fetch(artifact);
        } catch (IOException e) {
            missing.add(artifact.name());
            record(Deployer.failed(artifact, "content not fetched from " + source.servedBy(artifact) + ": "
                    + e.getMessage() + (e instanceof DiskRoom.NoRoomException ? ONCE_THERE_IS_ROOM : "")));
            return;
        }
        long fetched = System.nanoTime();
        missing.remove(artifact.name());
        deploy(artifact, content);
        // where the time of a large one went (small ones would flood the log), once it is in
        if (artifact.size() >= LARGE && !missing.contains(artifact.name())) {
            long fetchMillis = (fetched - start) / 1_000_000;
            LOG.info("Took in {} ({} MB): fetched from {}, verified and on disk in {} ms ({} MB/s), deployed in {} ms",
                    artifact.name(), artifact.size() >> 20, source.servedBy(artifact), fetchMillis,
                    (artifact.size() >> 20) * 1000 / Math.max(1, fetchMillis), (System.nanoTime() - fetched) / 1_000_000);
        }
    }

    /**
     * Puts one artifact whose content is here to work: a bundle is staged, the others deployed at
     * once. One the disk has no room to deploy counts as missing, so it is tried again (see
     * {@link #retry}) until there is.
     */
    private void deploy(Artifact artifact, Path content) {
        try {
            if (artifact.type() == ArtifactType.BUNDLE) {
                ArtifactState refused = bundles.stage(artifact, content);
                if (refused != null) {
                    record(refused);
                } else {
                    states.put(artifact.name(), Deployer.state(artifact, ArtifactState.INSTALLED));
                }
                return;
            }
            record(others.get(artifact.type()).deploy(artifact, content));
        } catch (DiskRoom.NoRoomException e) {
            missing.add(artifact.name());
            record(Deployer.failed(artifact, e.getMessage() + ONCE_THERE_IS_ROOM));
        }
    }

    /** Starts every bundle that should run, after the framework has taken the batch's changes in. */
    private void settleBundles() {
        List<Artifact> staged = held.values().stream()
                .filter(a -> a.type() == ArtifactType.BUNDLE && !missing.contains(a.name()))
                .filter(a -> !isRefused(states.get(a.name())))
                .toList();
        Map<String, ArtifactState> settled = bundles.settle(staged);
        settled.forEach((name, state) -> {
            ArtifactState before = states.get(name);
            if (before == null || !before.state().equals(state.state()) || before.revision() != state.revision()
                    || !before.reason().equals(state.reason())) {
                record(state);
            }
        });
    }

    /**
     * Fetches what is missing and starts what is not running yet; true when everything held is
     * settled. What is here but found no room to deploy is deployed again even while no manager
     * can be reached.
     */
    boolean retry(ArtifactSource source) {
        for (String name : List.copyOf(missing)) {
            Artifact artifact = held.get(name);
            if (artifact == null) {
                missing.remove(name);
            } else if (source != null) {
                fetchAndDeploy(artifact, source, a -> receive(a, source));
            } else {
                Optional<Path> here = Optional.empty();
                try {
                    here = blobs.intact(artifact.sha256(), artifact.size()) ? blobs.get(artifact.sha256())
                            : Optional.empty();
                } catch (IOException e) {
                    // looked at again at the next retry
                }
                if (here.isPresent()) {
                    missing.remove(name);
                    deploy(artifact, here.get());
                }
            }
        }
        settleBundles();
        return settled();
    }

    /**
     * Checks what is held against what it should be, cheaply unless something changed: content
     * that was truncated or edited on disk is fetched again, and a web application whose unpacked
     * files were changed is unpacked again from its verified content.
     *
     * @return true when something had to be repaired
     */
    boolean repair(ArtifactSource source) {
        boolean repaired = false;
        boolean bundlesToSettle = false;
        for (Artifact artifact : List.copyOf(held.values())) {
            if (missing.contains(artifact.name())) {
                continue;
            }
            try {
                if (!blobs.intact(artifact.sha256(), artifact.size())) {
                    LOG.warn("Node {}: the local copy of {} was damaged on disk; fetching it again", nodeName,
                            artifact.name());
                    repaired = true;
                    refetch(artifact, source);
                    continue;
                }
                if (artifact.type() == ArtifactType.BUNDLE && !isRefused(states.get(artifact.name()))
                        && bundles.notRunning(artifact) != null) {
                    LOG.warn("Node {}: {} ({}); installing and starting it again", nodeName, artifact.name(),
                            bundles.notRunning(artifact));
                    repaired = true;
                    bundlesToSettle = true;
                    deploy(artifact, blobs.get(artifact.sha256()).orElseThrow());
                    continue;
                }
                Deployer deployer = others.get(artifact.type());
                if (deployer != null && !deployer.intact(artifact)) {
                    LOG.warn("Node {}: {} of {} changed; deploying it again from its verified content", nodeName,
                            artifact.type() == ArtifactType.CONFIGURATION ? "the configuration" : "files",
                            artifact.name());
                    repaired = true;
                    deploy(artifact, blobs.get(artifact.sha256()).orElseThrow());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("Node {} could not check {}: {}", nodeName, artifact.name(), e.getMessage());
            }
        }
        if (bundlesToSettle) {
            settleBundles();
        }
        return repaired;
    }

    /**
     * What this node finds it actually runs, read from disk and the framework: for every held
     * artifact, its stored content checked against its digest (by size and time, and by digest when
     * either changed), its unpacked files, its configuration in ConfigAdmin and its bundle's state.
     * Those that match go into the digest; each other one is a line saying what differs.
     */
    RunningDigest runningDigest() {
        return runningDigest(held.keySet());
    }

    /**
     * As {@link #runningDigest()}, looking again only at the artifacts a batch changed, any never
     * looked at, any whose state changed since (a bundle that started once the batch brought what
     * it imports) and any that did not run as recorded: the others count as the last look found
     * them, as running. A full look costs a few
     * file-system calls per artifact, about 0.14 ms each, and a worker reports after every batch:
     * a burst of 1,000 applications, in some 25 batches, cost each worker seconds of CPU in looks
     * at applications no batch had touched. What changes by other ways (an operator's edit of an
     * application's files or of a configuration) is found by the full look of the periodic check
     * ({@code carbide.deployment.checkSeconds}), as it was when no batch came, and by the reports
     * after a retry or a repair.
     */
    RunningDigest runningDigestAfter(Collection<String> changed) {
        return runningDigest(changed);
    }

    /** Looks again at {@code toLook}; on the agent's thread only, like everything that changes what is held. */
    private RunningDigest runningDigest(Collection<String> toLook) {
        looked.keySet().retainAll(held.keySet());
        Map<String, String> runs = new java.util.TreeMap<>();
        List<String> diverged = new ArrayList<>();
        for (Artifact artifact : held.values()) {
            String name = artifact.name();
            ArtifactState state = states.get(name);
            boolean absent = missing.contains(name);
            Look last = looked.get(name);
            String why;
            // looked at again: what the caller names, what was never looked at, what changed state since (a
            // bundle of an earlier batch that started once this one brought what it imports), and what did not
            // run as recorded (a bundle stopped by hand that the batch's settling started again): so a node is
            // never shown diverged for longer than it is, and normally that last set is empty
            if (last == null || toLook.contains(name) || !java.util.Objects.equals(last.state(), state)
                    || last.missing() != absent || !last.why().isEmpty()) {
                try {
                    why = divergence(artifact);
                } catch (IOException | RuntimeException e) {
                    why = "it could not be checked (" + e.getMessage() + ")"; // a folder gone mid-walk, say
                }
                why = why == null ? "" : why;
                looked.put(name, new Look(why, state, absent));
            } else {
                why = last.why();
            }
            if (why.isEmpty()) {
                runs.put(name, artifact.sha256());
            } else {
                diverged.add(name + ": " + why);
            }
        }
        diverged.sort(null);
        return new RunningDigest(RunningDigest.of(runs), List.copyOf(diverged));
    }

    /** Why the artifact does not run as recorded, or null when it does. */
    private String divergence(Artifact artifact) throws IOException {
        ArtifactState state = states.get(artifact.name());
        if (missing.contains(artifact.name())) {
            // why, when it is known: the content did not arrive, or the disk has no room for it
            return state != null && ArtifactState.FAILED.equals(state.state()) && !state.reason().isEmpty()
                    ? "not deployed (" + state.reason() + ")" : "its content is not on this node";
        }
        if (state == null || !(ArtifactState.ACTIVE.equals(state.state()) || isRefused(state))) {
            return "not running (" + (state == null ? "not deployed" : state.state()
                    + (state.reason() == null || state.reason().isEmpty() ? "" : ": " + state.reason())) + ")";
        }
        if (!blobs.intact(artifact.sha256(), artifact.size())) {
            return "its stored content no longer has sha256 " + artifact.sha256().substring(0, 12);
        }
        if (artifact.type() == ArtifactType.BUNDLE) {
            return isRefused(state) ? null : bundles.notRunning(artifact);
        }
        Deployer deployer = others.get(artifact.type());
        if (deployer != null && !deployer.intact(artifact)) {
            return artifact.type() == ArtifactType.CONFIGURATION ? "its configuration in ConfigAdmin was changed"
                    : "its deployed files were changed on disk";
        }
        return null;
    }

    /** Fetches content again; what runs keeps running (the framework and the web server have their own copies). */
    private void refetch(Artifact artifact, ArtifactSource source) {
        if (source == null) {
            missing.add(artifact.name());
            return;
        }
        try {
            blobs.receive(artifact.sha256(), artifact.size(), artifact.name(), (out, from) -> source.fetch(artifact, from, out));
        } catch (IOException e) {
            missing.add(artifact.name());
            LOG.warn("Node {} could not fetch {} again from {}: {}", nodeName, artifact.name(), source.name(),
                    e.getMessage());
        }
    }

    /** Whether every held artifact is here and running (a role-refused bundle counts as settled: retrying it changes nothing). */
    boolean settled() {
        return missing.isEmpty() && states.values().stream()
                .allMatch(s -> ArtifactState.ACTIVE.equals(s.state()) || isRefused(s));
    }

    private static boolean isRefused(ArtifactState state) {
        return state != null && ArtifactState.FAILED.equals(state.state()) && state.reason().startsWith("refused: ");
    }

    /** Records an artifact's new state, with one log line. */
    private void record(ArtifactState state) {
        ArtifactState before = states.put(state.name(), state);
        if (ArtifactState.FAILED.equals(state.state())) {
            if (before != null && before.revision() == state.revision() && before.state().equals(state.state())
                    && DiskRoom.alike(before.reason(), state.reason())) {
                return; // a retry that failed as the last one did (a disk still full): said once
            }
            LOG.warn("Node {} could not deploy {} (revision {}): {}", nodeName, state.name(), state.revision(),
                    state.reason());
        } else {
            Artifact artifact = held.get(state.name());
            LOG.info("Deployed {} (revision {}, {}): {}", state.name(), state.revision(),
                    artifact == null ? "?" : artifact.type().label(), state.state());
        }
    }

    /** Undeploys whatever is not in {@code keep}: only for the full state of a repository this node adopts. */
    void retainOnly(Set<String> keep, long atRevision) {
        for (Artifact gone : List.copyOf(held.values())) {
            if (!keep.contains(gone.name())) {
                undeploy(gone, atRevision);
            }
        }
        settleBundles();
    }

    private void undeploy(Artifact artifact, long atRevision) {
        undeployContent(artifact);
        released.add(artifact.sha256());
        held.remove(artifact.name());
        states.remove(artifact.name());
        missing.remove(artifact.name());
        LOG.info("Undeployed {} (revision {})", artifact.name(), atRevision);
    }

    private void undeployContent(Artifact artifact) {
        if (artifact.type() == ArtifactType.BUNDLE) {
            bundles.remove(artifact);
        } else {
            others.get(artifact.type()).undeploy(artifact);
        }
    }

    /**
     * Records what is held as applied up to {@code revision} of {@code repositoryId}, whose change
     * there had {@code stamp} (empty when not known).
     */
    void save(String repositoryId, long revision, String stamp, long term, long generation) throws IOException {
        store.write(new LocalState.Snapshot(LocalState.FORMAT, repositoryId, revision, term, generation, stamp,
                List.copyOf(held.values())));
    }

    /**
     * Drops the content of the artifacts replaced or removed since the last call, unless a held
     * artifact has the same. After a batch only that content can have lost its last holder: a
     * worker holding a thousand web applications listed its whole content folder after every drop.
     * What else lies there unreferenced goes at the next {@link #dropAllUnreferencedContent}.
     */
    void dropUnreferencedContent() throws IOException {
        if (released.isEmpty()) {
            return;
        }
        Set<String> referenced = held.values().stream().map(Artifact::sha256).collect(Collectors.toSet());
        for (String digest : List.copyOf(released)) {
            released.remove(digest);
            if (!referenced.contains(digest)) {
                blobs.drop(digest);
            }
        }
    }

    /** Drops every content no held artifact refers to, part files included. */
    void dropAllUnreferencedContent() throws IOException {
        released.clear();
        blobs.keepOnly(held.values().stream().map(Artifact::sha256).collect(Collectors.toSet()));
    }

    private static List<Artifact> inRevisionOrder(List<Artifact> artifacts) {
        List<Artifact> ordered = new ArrayList<>(artifacts);
        ordered.sort(Comparator.comparingLong(Artifact::revision));
        return ordered;
    }

    int removalPending() {
        return bundles.removalPending();
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

    /** Whether {@code live} (a full state) names exactly the artifacts held, each with the same content. */
    boolean holdsExactly(List<Artifact> live) {
        if (live.size() != held.size()) {
            return false;
        }
        for (Artifact artifact : live) {
            Artifact mine = held.get(artifact.name());
            if (artifact.deleted() || mine == null || !mine.sha256().equals(artifact.sha256())) {
                return false;
            }
        }
        return true;
    }

    List<ArtifactState> states() {
        return List.copyOf(states.values()); // by name
    }
}
