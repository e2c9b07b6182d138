package io.carbide.deployment;

import java.util.List;

/**
 * What a node reported about its deployment: the lineage it follows (the repository id), the
 * revision of that repository it has applied, the state of each artifact, and the managers whose
 * other repositories it ignored.
 *
 * @param source the manager it syncs from, or empty
 * @param ignored one line per manager that offered another repository, e.g.
 *     {@code offered repository 5d1c... by mgr-2: ignored}
 * @param running what the node found it actually runs ({@link RunningDigest#NONE} if it did not say)
 * @param lostChanges why its managers lost changes it runs, with the command that makes it take
 *     their state (its /health reason); empty when they did not, or the node did not say
 */
public record NodeDeployment(String node, String repositoryId, long revision, List<ArtifactState> artifacts,
        String source, List<String> ignored, long reportedAt, RunningDigest running, String lostChanges) {

    public NodeDeployment(String node, String repositoryId, long revision, List<ArtifactState> artifacts,
            String source, List<String> ignored, long reportedAt, RunningDigest running) {
        this(node, repositoryId, revision, artifacts, source, ignored, reportedAt, running, "");
    }

    public NodeDeployment(String node, String repositoryId, long revision, List<ArtifactState> artifacts,
            String source, List<String> ignored, long reportedAt) {
        this(node, repositoryId, revision, artifacts, source, ignored, reportedAt, RunningDigest.NONE);
    }
}
