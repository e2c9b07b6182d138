package io.carbide.deployment;

/**
 * One entry of the repository's revision log: what changed (the artifact's record at that
 * revision, a tombstone for a removal), who asked for it and when.
 *
 * @param by the user who uploaded or removed it through the API, or {@value #DEPLOY_FOLDER}
 * @param at when it was proposed, in epoch milliseconds (the proposing manager's clock)
 */
public record Change(Artifact artifact, String by, long at) {

    /** The author of a change made by dropping or deleting a file in {@code deploy/}. */
    public static final String DEPLOY_FOLDER = "deploy folder";
}
