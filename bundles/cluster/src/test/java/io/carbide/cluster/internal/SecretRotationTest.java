package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jgroups.Address;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

/** The rotation's choices, with the files replaced by what the test says they hold. */
class SecretRotationTest {

    private static final String OLD = "the secret this domain started with, long and random";
    private static final String NEW = "the secret this domain rotates to, long and random too";
    private static final String OTHER = "a secret typed over the old one, long and random";

    private final AtomicReference<ClusterSecret.Held> files = new AtomicReference<>(held(OLD, null));
    private final SecretRotation rotation = new SecretRotation("w1", "carbide", mayGenerate -> files.get(), false);
    private final Address workerAddress = UUID.randomUUID();
    private final Address managerAddress = UUID.randomUUID();

    private static ClusterSecret.Held held(String current, String next) {
        return new ClusterSecret.Held(current.getBytes(StandardCharsets.UTF_8),
                next == null ? null : next.getBytes(StandardCharsets.UTF_8), "conf/cluster.secret.next");
    }

    private static String id(String secret) {
        return ClusterKeys.derive(secret.getBytes(StandardCharsets.UTF_8), "carbide").id();
    }

    private String sealingWith() {
        return rotation.keys(SecretRotation.CLUSTER).sealing().id();
    }

    private List<String> accepted() {
        return rotation.keys(SecretRotation.CLUSTER).accepted().stream().map(ClusterKeys::id).toList();
    }

    private static ClusterMessage holding(String... secrets) {
        List<String> ids = java.util.Arrays.stream(secrets).map(SecretRotationTest::id).toList();
        return new ClusterMessage(SecretRotation.MESSAGE_TYPE, 1,
                ("format=1\nheld=" + String.join(",", ids) + "\nlaterField=x\n").getBytes(StandardCharsets.UTF_8));
    }

    private void inViewWith(Map<Address, String> others) {
        rotation.clusterView(others);
    }

    private Map<Address, String> workerAndManager() {
        Map<Address, String> others = new LinkedHashMap<>();
        others.put(workerAddress, "w2");
        others.put(managerAddress, "mgr");
        return others;
    }

    private void rotateToNext() {
        files.set(held(OLD, NEW));
        rotation.check();
        rotation.heard("w2", workerAddress, holding(OLD, NEW));
        rotation.heard("mgr", managerAddress, holding(OLD, NEW));
    }

    @Test
    void theNodeSealsWithTheNextSecretOnceEveryOtherMemberSaidSoAndGoesBackOnlyWhenOneSaysItLacksIt()
            throws IOException {
        rotation.joining();
        inViewWith(workerAndManager());
        files.set(held(OLD, NEW));
        rotation.check();
        assertEquals(List.of(id(OLD), id(NEW)), accepted());
        assertEquals(id(OLD), sealingWith(), "nobody else said it holds the next secret yet");
        rotation.heard("w2", workerAddress, holding(OLD, NEW));
        assertEquals(id(OLD), sealingWith(), "the manager has not said so");
        rotation.heard("mgr", managerAddress, holding(NEW));
        assertEquals(id(NEW), sealingWith());
        assertEquals("next", rotation.status().get("sealingWith"));

        Map<Address, String> withNewcomer = new LinkedHashMap<>(workerAndManager());
        Address newcomer = UUID.randomUUID();
        withNewcomer.put(newcomer, "w3");
        inViewWith(withNewcomer);
        assertEquals(id(NEW), sealingWith(), "a member that has said nothing yet does not turn the fleet back");
        assertEquals(List.of("w3"), rotation.status().get("membersWithoutNext"));
        rotation.heard("w3", newcomer, holding(OLD));
        assertEquals(id(OLD), sealingWith(), "one that says it holds only the old secret does");
        assertTrue(new String(rotation.announcement().payload(), StandardCharsets.UTF_8)
                .contains("held=" + id(OLD) + "," + id(NEW)), "it tells the others both ids, never a key");
    }

    @Test
    void movingTheNextSecretIntoPlaceRetiresTheOldOneOnceEveryMemberHoldsTheNew() throws IOException {
        rotation.joining();
        inViewWith(workerAndManager());
        files.set(held(OLD, NEW));
        rotation.check();
        rotation.heard("w2", workerAddress, holding(OLD, NEW));
        files.set(held(NEW, null));
        rotation.check();
        assertEquals(List.of(id(OLD), id(NEW)), accepted(), "the manager has not said it holds the new secret: "
                + "retiring the old one now would cut it off");
        assertEquals(true, rotation.status().get("retiringWhenAllHoldNext"));
        rotation.heard("mgr", managerAddress, holding(OLD, NEW));
        KeySet keys = rotation.keys(SecretRotation.CLUSTER);
        assertEquals(List.of(id(NEW)), accepted());
        assertEquals(id(NEW), keys.sealing().id());
        assertEquals(List.of(id(OLD)), keys.retired().stream().map(ClusterKeys::id).toList(),
                "kept only to tell a node still holding it why it is refused");
    }

    @Test
    void aPromotionReadHalfWayIsStillOneAndANextSecretGoneForOneReadStays() throws IOException {
        rotation.joining();
        inViewWith(workerAndManager());
        rotateToNext();
        files.set(held(OLD, null)); // the next file moved, cluster.secret not yet replaced when read
        rotation.check();
        assertEquals(List.of(id(OLD), id(NEW)), accepted(), "one read without the next file changes nothing");
        files.set(held(NEW, null));
        rotation.check();
        assertEquals(List.of(id(NEW)), accepted(), "the new cluster.secret is the promotion of the next secret");

        SecretRotation aborted = new SecretRotation("w1", "carbide", mayGenerate -> files.get(), false);
        files.set(held(OLD, NEW));
        aborted.joining();
        aborted.clusterView(workerAndManager());
        files.set(held(OLD, null));
        aborted.check();
        aborted.check();
        assertEquals(List.of(id(OLD)), aborted.keys(SecretRotation.CLUSTER).accepted().stream().map(ClusterKeys::id)
                .toList(), "gone for two reads: the operator took it away");
    }

    @Test
    void aSecretTypedOverTheCurrentOneIsIgnoredInAViewAndTakenAlone() throws IOException {
        rotation.joining();
        inViewWith(workerAndManager());
        files.set(held(OTHER, null));
        rotation.check();
        assertEquals(id(OLD), sealingWith(), "sealing with it would cut the node off from its peers");
        assertEquals(0, rotation.replacements());
        inViewWith(Map.of());
        rotation.check();
        assertEquals(id(OTHER), sealingWith(), "alone (refused), the node takes the secret the operator fixed");
        assertEquals(1, rotation.replacements(), "so its cluster channel joins again with it");
        assertTrue(rotation.keys(SecretRotation.CLUSTER).retired().isEmpty(), "only a rotation retires a secret");
    }

    @Test
    void aNodeAloneTriesTheNextSecretThenTheOtherAfterARefusalOfTheOneItTriesOrAFewSeconds() throws IOException {
        files.set(held(OLD, NEW));
        rotation.joining();
        assertEquals(id(NEW), sealingWith(), "new joins use the new secret");
        rotation.refused(SecretRotation.CLUSTER, id(OLD));
        assertEquals(id(NEW), sealingWith(), "a refusal of a message sealed with the other key says nothing of this one");
        rotation.refused(SecretRotation.CLUSTER, id(NEW));
        assertEquals(id(OLD), sealingWith(), "a domain still on the old secret refused the new one: try that one");
        rotation.check();
        rotation.check();
        assertEquals(id(NEW), sealingWith(), "with no refusal at all (nobody can answer) it still takes turns");

        rotation.clusterView(workerAndManager());
        rotation.heard("w2", workerAddress, holding(OLD, NEW));
        rotation.heard("mgr", managerAddress, holding(OLD, NEW));
        assertEquals(id(NEW), sealingWith());
        rotation.clusterView(Map.of());
        assertEquals(id(NEW), sealingWith(), "alone again, it starts with the key it used among the others");
    }

    @Test
    void theManagersChannelDecidesByItsOwnMembers() throws IOException {
        rotation.joining();
        inViewWith(workerAndManager());
        rotateToNext();
        assertEquals(id(NEW), sealingWith());
        rotation.channelView(SecretRotation.MANAGERS, Set.of("mgr", "mgr-2"));
        assertEquals(id(OLD), rotation.keys(SecretRotation.MANAGERS).sealing().id(),
                "mgr-2 is no member of the cluster view this node has, and has said nothing");
        assertNotNull(rotation.loaded(SecretRotation.MANAGERS));
    }

    @Test
    void aNextSecretThatCannotBeUsedCostsNothingAndAGarbledAnnouncementIsHarmless() throws IOException {
        files.set(new ClusterSecret.Held(OLD.getBytes(StandardCharsets.UTF_8), null, "conf/cluster.secret.next",
                "conf/cluster.secret.next is 5 characters long"));
        rotation.joining();
        assertEquals(List.of(id(OLD)), accepted());
        SecretRotation unread = new SecretRotation("w1", "carbide", mayGenerate -> {
            throw new IOException("cannot read conf/cluster.secret");
        }, false);
        unread.check(); // nothing read yet: nothing to keep, nothing thrown
        assertNull(unread.keys(SecretRotation.CLUSTER));
        inViewWith(workerAndManager());
        rotation.heard("w2", workerAddress, new ClusterMessage(SecretRotation.MESSAGE_TYPE, 1,
                new byte[] {(byte) 0xff, 0, '\\', 'u'}));
        assertEquals(id(OLD), sealingWith());
    }
}
