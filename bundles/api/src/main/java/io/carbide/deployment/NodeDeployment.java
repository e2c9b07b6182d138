package io.carbide.deployment;

import java.util.List;

/**
 * What a node reported about its deployment: the repository revision it has applied and the
 * state of each artifact.
 */
public record NodeDeployment(String node, long revision, List<ArtifactState> artifacts, long reportedAt) {
}
