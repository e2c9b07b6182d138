package io.carbide.deployment;

import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The manager's authoritative artifact repository: content-addressed by SHA-256, one monotonic
 * revision per change (add, update, delete), kept on disk so a restart loses nothing. Files
 * dropped into the manager's {@code deploy/} and uploads both arrive through {@link #store}.
 */
public interface ArtifactRepository {

    /**
     * Identifies this repository: the lineage of every node that follows it. A node never applies
     * anything from a repository of another id, unless an operator moves it.
     */
    String id();

    /** The revision of the latest change; 0 for an empty repository. */
    long revision();

    /** The term of the repository's authority (its consensus leader); 0 where there is no consensus. */
    default long term() {
        return 0;
    }

    /**
     * How many times the repository was set up anew under its id: 1 when created, one more after
     * each recovery of its managers from a survivor's history. A node that followed an earlier
     * generation takes the new one's full state (the recovery may have lost changes it has); it
     * never follows an earlier generation again.
     */
    default long generation() {
        return 1;
    }

    /**
     * What a node that applied {@code revision} of {@code repositoryId} is answered: the changes
     * since, when it follows this repository and is not ahead of it; else the full state (for a
     * node that follows nothing yet; a node of another lineage, or ahead, must not apply it).
     */
    default ReplicationProtocol.Changes changesFor(String repositoryId, long revision) {
        long current = revision();
        if (id().equals(repositoryId) && revision <= current) {
            return new ReplicationProtocol.Changes(id(), current, false, changesSince(revision), term(), generation());
        }
        return new ReplicationProtocol.Changes(id(), current, true, artifacts(), term(), generation());
    }

    /**
     * What {@code node} lacks, as {@link #changesFor(String, long)}, but only up to the revision it
     * may have: during a staged rollout, a node outside the admitted waves is given the repository
     * as it was before the change.
     */
    default ReplicationProtocol.Changes changesFor(String repositoryId, long revision, String node) {
        return changesFor(repositoryId, revision);
    }

    /**
     * What {@code node}, which asked with {@code sync}, lacks, as {@link #changesFor(String, long,
     * String)}; the full state also when the change at its revision is not this repository's change
     * at that revision (their {@linkplain ReplicationProtocol#stamp stamps} differ): its history and
     * this repository's parted there, and what follows here would not bring it to this state.
     */
    default ReplicationProtocol.Changes changesFor(ReplicationProtocol.Sync sync, String node) {
        return changesFor(sync.repositoryId(), sync.revision(), node);
    }

    /** The artifacts present now (no tombstones), by name. */
    List<Artifact> artifacts();

    /** The latest record of every artifact changed after {@code revision}, tombstones included, oldest first. */
    List<Artifact> changesSince(long revision);

    /** Every change ever made, oldest first, for the history of one artifact or all. */
    List<Change> history(Optional<String> name);

    /**
     * Checks a file the way {@link #store} would, without storing or recording anything: for
     * callers (such as the management API's upload) that must refuse a bad artifact before it
     * reaches {@code deploy/}.
     *
     * @throws InvalidArtifactException when the file is not a valid artifact of its type
     * @throws java.nio.file.NoSuchFileException when the file is gone
     */
    ArtifactType check(String name, Path file) throws InvalidArtifactException, java.nio.file.NoSuchFileException;

    /**
     * Validates and stores an artifact under {@code name}; a new revision when its content is new.
     * Where managers share the repository, the content is first held by a majority of them and the
     * change counts once they committed it.
     *
     * @return the artifact's record (the existing one when the content is unchanged)
     * @throws InvalidArtifactException when the file is not a valid artifact of its type
     * @throws NoQuorumException when no majority of the managers is reachable
     */
    Artifact store(String name, Path file) throws InvalidArtifactException, IOException, NoQuorumException;

    /**
     * Validates and stores the content as {@link #store} does, then proposes the change without
     * waiting for it to commit. Changes proposed one after another this way are committed
     * together (the managers write what queued up in one append to their log), where
     * {@link #store} pays a commit's round trip for each: for callers that record many files at once.
     *
     * @return the artifact's record once committed; it fails with {@link NoQuorumException} or an
     *     {@link IOException} (a {@link RolloutRefusedException} while a staged rollout runs)
     * @throws InvalidArtifactException when the file is not a valid artifact of its type
     * @throws NoQuorumException when the managers have no repository yet
     */
    CompletableFuture<Artifact> storeAsync(String name, Path file)
            throws InvalidArtifactException, IOException, NoQuorumException;

    /**
     * Whether {@code file} holds exactly the content stored under {@code name} now, so that
     * storing it would record nothing.
     */
    boolean isStored(String name, Path file) throws IOException;

    /** Lists a change that was not recorded, with why, among the {@link #refusals()}. */
    void recordRefusal(String name, String reason);

    /**
     * Takes {@code name} off the {@link #refusals()}: the refused file is gone (an operator deleted
     * it), so nothing stands to be fixed.
     */
    void forgetRefusal(String name);

    /**
     * Removes an artifact: a tombstone at a new revision. Empty when there was no such artifact.
     *
     * @throws NoQuorumException when no majority of the managers is reachable
     */
    Optional<Artifact> remove(String name) throws IOException, NoQuorumException;

    /**
     * Names the author of the next change of {@code name} to this content (a user of the API);
     * changes nobody announced are the deploy folder's.
     *
     * @param sha256 the content's digest, or empty for a removal
     */
    void expectAuthor(String name, String sha256, String user);

    /**
     * Brings the artifacts and configurations of {@code revision} back: every artifact whose
     * content differs from what it had then is put back (or removed, if it did not exist then),
     * all in one committed step, replicated like any change. Nothing is recorded when the
     * repository already holds exactly that.
     *
     * @param user who asked, recorded as the author of every change of the rollback
     * @return the changes the rollback recorded, oldest first (empty when there was nothing to do)
     * @throws RevisionNotFoundException for a revision the repository never had, or one older than
     *                                   its retention policy keeps ({@link #retainedFrom()})
     * @throws NoQuorumException when no majority of the managers is reachable
     */
    default List<Change> rollback(long revision, String user)
            throws RevisionNotFoundException, IOException, NoQuorumException {
        throw new RevisionNotFoundException("this repository cannot roll back", false);
    }

    /**
     * The oldest revision whose content is still kept, so the oldest one {@link #rollback} can
     * bring back: history and content before it were collected by the retention policy.
     */
    default long retainedFrom() {
        return 1;
    }

    /** The bytes this manager's stored content takes on disk; -1 when unknown. */
    default long diskBytes() {
        return -1;
    }

    /** Where the content with this digest is stored, if it is. */
    Optional<Path> content(String sha256);

    /** Artifacts refused recently (newest last), with the reason: what the operator needs to fix. */
    List<Refusal> refusals();

    /** A refused artifact and why. */
    record Refusal(String name, String reason, long at) {
    }
}
