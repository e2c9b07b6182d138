package io.carbide.deployment.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.carbide.cluster.ClusterMessage;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationProtocolTest {

    @Test
    void everyMessageRoundTrips() throws IOException {
        List<Artifact> artifacts = List.of(new Artifact("a.jar", ArtifactType.BUNDLE, 3, "ab".repeat(32), 10, false),
                new Artifact("b.zip", ArtifactType.WEBAPP, 4, "", 0, true));
        ReplicationProtocol.Changes changes = new ReplicationProtocol.Changes("repo", 4, false, artifacts);
        assertEquals(changes, ReplicationProtocol.changes(ReplicationProtocol.encode(changes)));
        ReplicationProtocol.Sync sync = new ReplicationProtocol.Sync("repo", 2);
        assertEquals(sync, ReplicationProtocol.sync(ReplicationProtocol.encode(sync)));
        ReplicationProtocol.Fetch fetch = new ReplicationProtocol.Fetch("cd".repeat(32), 1 << 20, 4096);
        assertEquals(fetch, ReplicationProtocol.fetch(ReplicationProtocol.encode(fetch)));
        ReplicationProtocol.Report report = new ReplicationProtocol.Report(4,
                List.of(new ArtifactState("a.jar", 3, "ab".repeat(32), ArtifactState.FAILED, "missing requirement")));
        assertEquals(report, ReplicationProtocol.report(ReplicationProtocol.encode(report)));
    }

    @Test
    void wrongTypeVersionOrTruncationFailsClearly() {
        ClusterMessage sync = ReplicationProtocol.encode(new ReplicationProtocol.Sync("repo", 2));
        assertThrows(IOException.class, () -> ReplicationProtocol.changes(sync));
        assertThrows(IOException.class, () -> ReplicationProtocol.sync(new ClusterMessage(ReplicationProtocol.SYNC, 2,
                sync.payload())));
        byte[] cut = java.util.Arrays.copyOf(sync.payload(), 3);
        assertThrows(IOException.class, () -> ReplicationProtocol.sync(new ClusterMessage(ReplicationProtocol.SYNC, 1, cut)));
        ClusterMessage lying = new ClusterMessage(ReplicationProtocol.CHANGES, 1, new byte[] {0, 1, 'r', 0, 0, 0, 0, 0, 0, 0,
            1, 0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertThrows(IOException.class, () -> ReplicationProtocol.changes(lying));
    }

    @Test
    void oversizedFetchIsRefused() {
        ClusterMessage greedy = ReplicationProtocol.encode(new ReplicationProtocol.Fetch("x", 0, ReplicationProtocol.MAX_CHUNK + 1));
        assertThrows(IOException.class, () -> ReplicationProtocol.fetch(greedy));
    }
}
