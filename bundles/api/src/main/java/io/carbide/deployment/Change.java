package io.carbide.deployment;

/**
 * One entry of the repository's revision log: what changed (the artifact's record at that
 * revision, a tombstone for a removal), who asked for it and when.
 *
 * @param by         the user who uploaded or removed it through the API, or {@value #DEPLOY_FOLDER}
 * @param at         when it was proposed, in epoch milliseconds (the proposing manager's clock)
 * @param rollbackTo the revision whose content this change brings back, when it is part of a
 *                   rollback; 0 otherwise
 */
public record Change(Artifact artifact, String by, long at, long rollbackTo) {

    /** The author of a change made by dropping or deleting a file in {@code deploy/}. */
    public static final String DEPLOY_FOLDER = "deploy folder";

    /** A change made by itself: an upload, a drop, a removal. */
    public Change(Artifact artifact, String by, long at) {
        this(artifact, by, at, 0);
    }

    /** What kind of change this is, for people: {@code put}, {@code delete} or {@code rollback}. */
    public String kind() {
        return rollbackTo > 0 ? "rollback" : artifact.deleted() ? "delete" : "put";
    }
}
