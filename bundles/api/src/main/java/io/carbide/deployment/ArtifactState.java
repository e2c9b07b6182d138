package io.carbide.deployment;

/**
 * How one artifact stands on one node.
 *
 * @param state {@code active}, {@code installed}, {@code failed} (with {@code reason}) or {@code removed}
 */
public record ArtifactState(String name, long revision, String sha256, String state, String reason) {

    public static final String ACTIVE = "active";
    public static final String INSTALLED = "installed";
    public static final String FAILED = "failed";
    public static final String REMOVED = "removed";
}
