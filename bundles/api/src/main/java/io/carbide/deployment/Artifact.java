package io.carbide.deployment;

/**
 * One artifact as the repository knows it at a revision.
 *
 * @param name the file name, unique in the repository, e.g. {@code hello.jar}
 * @param revision the repository revision at which this content (or deletion) was recorded
 * @param sha256 the content's SHA-256 in hex; empty for a deletion
 * @param deleted a tombstone: the artifact was removed at {@code revision}
 */
public record Artifact(String name, ArtifactType type, long revision, String sha256, long size, boolean deleted) {
}
