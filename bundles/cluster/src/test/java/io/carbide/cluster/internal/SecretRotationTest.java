package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
    private final Address worker = UUID.randomUUID();
    private final Address manager = UUID.randomUUID();

    private static ClusterSecret.Held held(String current, String next) {
        return new ClusterSecret.Held(current.getBytes(StandardCharsets.UTF_8),
                next == null ? null : next.getBytes(StandardCharsets.UTF_8), "conf/cluster.secret.next");
    }

    private static String id(String secret) {
        return ClusterKeys.derive(secret.getBytes(StandardCharsets.UTF_8), "carbide").id();
    }

    private String sealingWith() {
        return rotation.keys().sealing().id();
    }

    private static ClusterMessage holding(String... secrets) {
        List<String> ids = java.util.Arrays.stream(secrets).map(SecretRotationTest::id).toList();
        return new ClusterMessage(SecretRotation.MESSAGE_TYPE, 1,
                ("format=1\nheld=" + String.join(",", ids) + "\nlaterField=x\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theNodeSealsWithTheNextSecretOnlyOnceEveryOtherMemberHoldsIt() throws IOException {
        rotation.joining();
        rotation.viewIs(Set.of(worker, manager));
        files.set(held(OLD, NEW));
        rotation.check();
        assertEquals(List.of(id(OLD), id(NEW)), rotation.keys().accepted().stream().map(ClusterKeys::id).toList());
        assertEquals(id(OLD), sealingWith(), "nobody else is known to hold the next secret yet");

        rotation.heard(worker, holding(OLD, NEW));
        assertEquals(id(OLD), sealingWith(), "the manager has not said it holds it");
        rotation.heard(manager, holding(NEW));
        assertEquals(id(NEW), sealingWith());
        assertEquals("next", rotation.status(String::valueOf).get("sealingWith"));

        Address newcomer = UUID.randomUUID();
        rotation.viewIs(Set.of(worker, manager, newcomer));
        assertEquals(id(OLD), sealingWith(), "a member that has not said what it holds may hold only the old secret");
        assertEquals(List.of(String.valueOf(newcomer)), rotation.status(String::valueOf).get("membersWithoutNext"));
        rotation.heard(newcomer, holding(OLD, NEW));
        assertEquals(id(NEW), sealingWith());
        assertTrue(new String(rotation.announcement().payload(), StandardCharsets.UTF_8)
                .contains("held=" + id(OLD) + "," + id(NEW)), "it tells the others both ids, never a key");
    }

    @Test
    void movingTheNextSecretIntoPlaceRetiresTheOldOne() throws IOException {
        rotation.joining();
        rotation.viewIs(Set.of(worker));
        files.set(held(OLD, NEW));
        rotation.check();
        files.set(held(NEW, null));
        rotation.check();
        KeySet keys = rotation.keys();
        assertEquals(List.of(id(NEW)), keys.accepted().stream().map(ClusterKeys::id).toList());
        assertEquals(id(NEW), keys.sealing().id());
        assertEquals(List.of(id(OLD)), keys.retired().stream().map(ClusterKeys::id).toList(),
                "kept only to tell a node still holding it why it is refused");
    }

    @Test
    void aSecretTypedOverTheCurrentOneIsIgnoredInAViewAndTakenAlone() throws IOException {
        rotation.joining();
        rotation.viewIs(Set.of(worker));
        files.set(held(OTHER, null));
        rotation.check();
        assertEquals(id(OLD), sealingWith(), "sealing with it would cut the node off from its peers");
        rotation.viewIs(Set.of());
        rotation.check();
        assertEquals(id(OTHER), sealingWith(), "alone (refused), the node takes the secret the operator fixed");
        assertTrue(rotation.keys().retired().isEmpty(), "only a rotation retires a secret");
    }

    @Test
    void aNodeAloneTriesTheNextSecretFirstAndTheOtherAfterARefusal() throws IOException {
        files.set(held(OLD, NEW));
        rotation.joining();
        assertEquals(id(NEW), sealingWith(), "new joins use the new secret");
        rotation.refusedWhileAlone();
        assertEquals(id(OLD), sealingWith(), "a domain still on the old secret refused it: try that one");
        rotation.refusedWhileAlone();
        assertEquals(id(NEW), sealingWith());
    }

    @Test
    void anUnreadableFileKeepsTheKeysHeldAndAGarbledAnnouncementIsHarmless() throws IOException {
        rotation.joining();
        SecretRotation.SecretSource broken = mayGenerate -> {
            throw new IOException("cannot read conf/cluster.secret");
        };
        SecretRotation failing = new SecretRotation("w1", "carbide", broken, false);
        failing.check(); // nothing read yet, nothing thrown
        assertEquals(null, failing.keys());
        rotation.viewIs(Set.of(worker));
        rotation.heard(worker, new ClusterMessage(SecretRotation.MESSAGE_TYPE, 1, new byte[] {(byte) 0xff, 0, '\\', 'u'}));
        assertNotNull(rotation.keys());
        assertEquals(id(OLD), sealingWith());
    }
}
