package io.carbide.deployment.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMessage;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationProtocolTest {

    @Test
    void everyMessageRoundTrips() throws IOException {
        List<Artifact> artifacts = List.of(new Artifact("a.jar", ArtifactType.BUNDLE, 3, "ab".repeat(32), 10, false),
                new Artifact("b.zip", ArtifactType.WEBAPP, 4, "", 0, true));
        ReplicationProtocol.Changes changes = new ReplicationProtocol.Changes("repo", 4, false, artifacts, 7, 2);
        assertEquals(changes, ReplicationProtocol.changes(ReplicationProtocol.encode(changes)));
        ReplicationProtocol.Sync sync = new ReplicationProtocol.Sync("repo", 2);
        assertEquals(sync, ReplicationProtocol.sync(ReplicationProtocol.encode(sync)));
        ReplicationProtocol.Fetch fetch = new ReplicationProtocol.Fetch("cd".repeat(32), 1 << 20, 4096);
        assertEquals(fetch, ReplicationProtocol.fetch(ReplicationProtocol.encode(fetch)));
        ReplicationProtocol.Report report = new ReplicationProtocol.Report("repo", 4,
                List.of(new ArtifactState("a.jar", 3, "ab".repeat(32), ArtifactState.FAILED, "missing requirement")),
                "mgr-1", List.of("offered repository other by mgr-2: ignored"),
                new io.carbide.deployment.RunningDigest("ef".repeat(32), List.of("a.jar: not running (failed)")));
        assertEquals(report, ReplicationProtocol.report(ReplicationProtocol.encode(report)));
        ReplicationProtocol.Announce announce = new ReplicationProtocol.Announce("repo", 9, 2, false, 3);
        assertEquals(announce, ReplicationProtocol.announce(ReplicationProtocol.encode(announce)));
        ReplicationProtocol.Adopt adopt = new ReplicationProtocol.Adopt("repo");
        assertEquals(adopt, ReplicationProtocol.adopt(ReplicationProtocol.encode(adopt)));
    }

    @Test
    void changesCarryTheContentOfSmallArtifactsAndAVersion2SenderNone() throws IOException {
        List<Artifact> artifacts = List.of(new Artifact("a.zip", ArtifactType.WEBAPP, 3, "ab".repeat(32), 3, false));
        ReplicationProtocol.Changes changes = new ReplicationProtocol.Changes("repo", 3, false, artifacts, 1, 1)
                .withInline(java.util.Map.of("ab".repeat(32), new byte[] {1, 2, 3}));
        ReplicationProtocol.Changes read = ReplicationProtocol.changes(ReplicationProtocol.encode(changes));
        assertEquals(artifacts, read.artifacts());
        assertEquals(1, read.generation());
        assertTrue(java.util.Arrays.equals(new byte[] {1, 2, 3}, read.inline().get("ab".repeat(32))));

        // what a manager of the previous version sends: no content, all of it fetched as before
        ClusterMessage version2 = new ClusterMessage(ReplicationProtocol.CHANGES, 2, java.util.Arrays.copyOf(
                ReplicationProtocol.encode(changes).payload(), ReplicationProtocol.encode(changes).payload().length
                        - (Integer.BYTES + 2 + 64 + Integer.BYTES + 3) - Integer.BYTES - 2));
        ReplicationProtocol.Changes old = ReplicationProtocol.changes(version2);
        assertEquals(artifacts, old.artifacts());
        assertTrue(old.inline().isEmpty());

        // content claiming to be larger than any a manager inlines is refused, not allocated
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(version2.payload());
            out.writeInt(1);
            out.writeUTF("ab".repeat(32));
            out.writeInt(Integer.MAX_VALUE);
        }
        assertThrows(IOException.class, () -> ReplicationProtocol.changes(
                new ClusterMessage(ReplicationProtocol.CHANGES, 3, bytes.toByteArray())));
    }

    @Test
    void changesNamePeersForLargeArtifactsAndAVersion3SenderNone() throws IOException {
        List<Artifact> artifacts = List.of(new Artifact("big.zip", ArtifactType.WEBAPP, 3, "cd".repeat(32), 64 << 20,
                false));
        ReplicationProtocol.Changes changes = new ReplicationProtocol.Changes("repo", 3, false, artifacts, 1, 1)
                .withPeers(java.util.Map.of("cd".repeat(32), List.of("w1", "w2")));
        ReplicationProtocol.Changes read = ReplicationProtocol.changes(ReplicationProtocol.encode(changes));
        assertEquals(List.of("w1", "w2"), read.peers().get("cd".repeat(32)));
        assertEquals(changes, read);

        // what a manager of the previous version sends: no peers, all of it fetched from the managers
        byte[] payload = ReplicationProtocol.encode(changes).payload();
        ClusterMessage version3 = new ClusterMessage(ReplicationProtocol.CHANGES, 3, java.util.Arrays.copyOf(payload,
                payload.length - (Integer.BYTES + 2 + 64 + Integer.BYTES + 2 * (2 + 2)) - 2));
        ReplicationProtocol.Changes old = ReplicationProtocol.changes(version3);
        assertEquals(artifacts, old.artifacts());
        assertTrue(old.peers().isEmpty());

        // a list longer than any manager sends is cut to the first MAX_PEERS, not trusted whole
        List<String> many = java.util.stream.IntStream.range(0, 50).mapToObj(i -> "w" + i).toList();
        ReplicationProtocol.Changes flooded = ReplicationProtocol.changes(ReplicationProtocol.encode(
                changes.withPeers(java.util.Map.of("cd".repeat(32), many))));
        assertEquals(many.subList(0, ReplicationProtocol.MAX_PEERS), flooded.peers().get("cd".repeat(32)));
    }

    @Test
    void syncAndChangesCarryTheStampOfTheirRevisionAndAVersion4SenderNone() throws IOException {
        Artifact app = new Artifact("app.jar", ArtifactType.BUNDLE, 2, "ab".repeat(32), 10, false);
        String stamp = ReplicationProtocol.stamp(new io.carbide.deployment.Change(app, "deploy folder", 1000));
        ReplicationProtocol.Sync sync = new ReplicationProtocol.Sync("repo", 2, stamp);
        assertEquals(sync, ReplicationProtocol.sync(ReplicationProtocol.encode(sync)));
        ReplicationProtocol.Changes changes = new ReplicationProtocol.Changes("repo", 2, false, List.of(app), 1, 1)
                .withStamp(stamp);
        assertEquals(changes, ReplicationProtocol.changes(ReplicationProtocol.encode(changes)));

        // what a node and a manager of the previous version send: no stamp, and none is compared
        byte[] payload = ReplicationProtocol.encode(sync).payload();
        ReplicationProtocol.Sync oldSync = ReplicationProtocol.sync(new ClusterMessage(ReplicationProtocol.SYNC, 4,
                java.util.Arrays.copyOf(payload, payload.length - (2 + stamp.length()))));
        assertEquals(new ReplicationProtocol.Sync("repo", 2, ""), oldSync);
        payload = ReplicationProtocol.encode(changes).payload();
        ReplicationProtocol.Changes oldChanges = ReplicationProtocol.changes(new ClusterMessage(
                ReplicationProtocol.CHANGES, 4, java.util.Arrays.copyOf(payload, payload.length - (2 + stamp.length()))));
        assertEquals("", oldChanges.stamp());
        assertEquals(List.of(app), oldChanges.artifacts());
        assertFalse(ReplicationProtocol.stampsDiffer("", stamp));
        assertFalse(ReplicationProtocol.stampsDiffer("2:" + "0".repeat(32), stamp), "another formula is not compared");
    }

    @Test
    void theSameArtifactRecordedAtAnotherTimeIsAnotherChange() {
        Artifact app = new Artifact("app.jar", ArtifactType.BUNDLE, 2, "ab".repeat(32), 10, false);
        String first = ReplicationProtocol.stamp(new io.carbide.deployment.Change(app, "deploy folder", 1000));
        assertEquals(first, ReplicationProtocol.stamp(new io.carbide.deployment.Change(app, "deploy folder", 1000)),
                "every manager stamps a committed change alike");
        String later = ReplicationProtocol.stamp(new io.carbide.deployment.Change(app, "deploy folder", 1001));
        assertTrue(ReplicationProtocol.stampsDiffer(first, later), "dropped again after a restore: another change");
        assertTrue(ReplicationProtocol.stampsDiffer(first, ReplicationProtocol.stamp(new io.carbide.deployment.Change(
                new Artifact("app.jar", ArtifactType.BUNDLE, 2, "cd".repeat(32), 10, false), "deploy folder", 1000))));
    }

    @Test
    void version1MessagesAreReadWithDefaultsForTheFieldsTheyLack() throws IOException {
        // what a node of the first release sends: an announcement was only ever the authority's
        ClusterMessage announce = version1(ReplicationProtocol.ANNOUNCE, out -> {
            out.writeUTF("repo");
            out.writeLong(5);
        });
        assertEquals(new ReplicationProtocol.Announce("repo", 5, 0, true, 0), ReplicationProtocol.announce(announce));
        ClusterMessage report = version1(ReplicationProtocol.REPORT, out -> {
            out.writeLong(5);
            out.writeInt(0);
        });
        assertEquals(new ReplicationProtocol.Report("", 5, List.of(), "", List.of()), ReplicationProtocol.report(report));
        assertEquals(io.carbide.deployment.RunningDigest.NONE, ReplicationProtocol.report(report).running(),
                "a node that does not report what it runs is not taken as diverged");
    }

    @Test
    void aNodeRunningExactlyTheRepositorysArtifactsHasTheDigestTheManagerExpects() {
        List<io.carbide.deployment.Artifact> repository = List.of(
                new io.carbide.deployment.Artifact("b.zip", io.carbide.deployment.ArtifactType.WEBAPP, 2, "bb".repeat(32), 9,
                        false),
                new io.carbide.deployment.Artifact("a.jar", io.carbide.deployment.ArtifactType.BUNDLE, 1, "aa".repeat(32), 9,
                        false),
                new io.carbide.deployment.Artifact("gone.cfg", io.carbide.deployment.ArtifactType.CONFIGURATION, 3, "", 0,
                        true));
        String expected = io.carbide.deployment.RunningDigest.expected(repository);
        assertEquals(expected, io.carbide.deployment.RunningDigest.of(java.util.Map.of("a.jar", "aa".repeat(32),
                "b.zip", "bb".repeat(32))), "order does not matter; tombstones are not run");
        org.junit.jupiter.api.Assertions.assertNotEquals(expected,
                io.carbide.deployment.RunningDigest.of(java.util.Map.of("a.jar", "aa".repeat(32))));
    }

    @Test
    void fieldsALaterVersionAppendsAreSkipped() throws IOException {
        ClusterMessage sync = ReplicationProtocol.encode(new ReplicationProtocol.Sync("repo", 2));
        byte[] longer = java.util.Arrays.copyOf(sync.payload(), sync.payload().length + 12);
        ReplicationProtocol.Sync read = ReplicationProtocol.sync(new ClusterMessage(ReplicationProtocol.SYNC, 9, longer));
        assertEquals(new ReplicationProtocol.Sync("repo", 2), read);
    }

    @Test
    void wrongTypeOrTruncationFailsClearly() {
        ClusterMessage sync = ReplicationProtocol.encode(new ReplicationProtocol.Sync("repo", 2));
        IOException wrongType = assertThrows(IOException.class, () -> ReplicationProtocol.changes(sync));
        assertTrue(wrongType.getMessage().contains("expected a deployment.changes message"), wrongType.getMessage());
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

    private interface Fields {
        void write(DataOutputStream out) throws IOException;
    }

    private static ClusterMessage version1(String type, Fields fields) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            fields.write(out);
        }
        return new ClusterMessage(type, 1, bytes.toByteArray());
    }
}
