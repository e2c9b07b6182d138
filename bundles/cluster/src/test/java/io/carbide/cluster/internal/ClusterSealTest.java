package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMember;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.PingHeader;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.JoinRsp;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;

/**
 * Two or three seals wired by hand, as a transport would carry their messages: whatever one
 * sends down is written to bytes and read back, as on the wire, before another takes it up.
 */
class ClusterSealTest {

    private static final ClusterKeys KEY = ClusterKeys.derive("the secret of this cluster domain, long and random"
            .getBytes(StandardCharsets.UTF_8), "carbide");
    private static final ClusterKeys OTHER_KEY = ClusterKeys.derive("the secret of another domain, long and random too"
            .getBytes(StandardCharsets.UTF_8), "carbide");
    private static final ClusterKeys NEXT_KEY = ClusterKeys.derive("the secret this domain rotates to, long and random"
            .getBytes(StandardCharsets.UTF_8), "carbide");

    /** A seal between a fake transport below and a receiver above. */
    private static final class Node {
        final Address address = ExtendedUUID.randomUUID("n");
        final PhysicalAddress physical;
        final ClusterSeal seal;
        final List<Message> sent = new ArrayList<>();
        final List<Message> delivered = new ArrayList<>();
        final List<String> refusals = new ArrayList<>();
        final List<Boolean> aboutTheFormat = new ArrayList<>();

        Node(ClusterKeys key, int port) throws Exception {
            this(() -> KeySet.of(key), port);
        }

        Node(Supplier<KeySet> keys, int port) throws Exception {
            physical = new IpAddress("127.0.0.1", port);
            seal = new ClusterSeal(new ClusterSeal.Keying("cluster", keys));
            seal.setAddress(address);
            seal.onRefusal(refusal -> {
                refusals.add(refusal.said());
                aboutTheFormat.add(refusal.wireFormat());
            });
            seal.replyPaths(to -> true); // as if the other node had connected here
            seal.setDownProtocol(new Protocol() {
                @Override
                public Object down(Message message) {
                    sent.add(message);
                    return null;
                }

                @Override
                public Object down(Event event) {
                    return event.getType() == Event.GET_PHYSICAL_ADDRESS ? physical : null;
                }
            });
            seal.setUpProtocol(new Protocol() {
                @Override
                public Object up(Message message) {
                    delivered.add(message);
                    return null;
                }
            });
        }

        /** What this node last sent, as the receiver's transport reads it. */
        Message lastOnTheWire() throws Exception {
            Message last = sent.get(sent.size() - 1);
            Message read = Util.messageFromBuffer(Util.messageToBuffer(last).getArray(), 0,
                    Util.messageToBuffer(last).getLength());
            read.setSrc(last.getSrc());
            return read;
        }
    }

    private static Message text(Address to, String text) {
        return new BytesMessage(to, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSealedMessageArrivesWholeWithItsSourceAndItsHeaders() throws Exception {
        Node a = new Node(KEY, 4001);
        Node b = new Node(KEY, 4002);
        a.seal.down(text(b.address, "hello").putHeader((short) 1234, new PingHeader(PingHeader.GET_MBRS_RSP)));
        Message wire = a.lastOnTheWire();
        assertTrue(new String(wire.getArray(), wire.getOffset(), wire.getLength(), StandardCharsets.ISO_8859_1)
                .indexOf("hello") < 0, "the payload does not travel in clear");
        b.seal.up(wire);
        assertEquals(1, b.delivered.size());
        Message opened = b.delivered.get(0);
        assertEquals("hello", new String(opened.getArray(), opened.getOffset(), opened.getLength(), StandardCharsets.UTF_8));
        assertEquals(a.address, opened.getSrc());
        assertNotNull(opened.getHeader((short) 1234), "the headers above the seal travel sealed with the payload");
        assertEquals(0, b.seal.rejected());
    }

    @Test
    void aTamperedMessageIsDroppedCountedAndRefused() throws Exception {
        Node a = new Node(KEY, 4001);
        Node b = new Node(KEY, 4002);
        a.seal.down(text(b.address, "deploy revision 7"));
        Message wire = a.lastOnTheWire();
        wire.getArray()[wire.getOffset() + 3] ^= 0x20; // one bit flipped
        b.seal.up(wire);
        assertEquals(List.of(), b.delivered);
        assertEquals(1, b.seal.rejected());
        assertEquals(0, b.sent.size(), "no refusal: the message named no address to answer");
    }

    @Test
    void aNodeHearingMoreSendersThanItKeepsCiphersForOpensEveryMessageWhileItSendsAndIsSentGarbage() throws Exception {
        Node b = new Node(KEY, 4100);
        List<Node> senders = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // more than a thread keeps ciphers for (8): they are set up again in turn
            senders.add(new Node(KEY, 4101 + i));
        }
        int forged = 0;
        for (int round = 0; round < 3; round++) {
            for (Node sender : senders) {
                sender.seal.down(text(b.address, "from " + sender.physical + " in round " + round));
                b.seal.up(sender.lastOnTheWire());
                b.seal.down(text(sender.address, "answer")); // sealed with b's own key on the same thread
                sender.seal.up(b.lastOnTheWire());
                sender.seal.down(text(b.address, "forged"));
                Message tampered = sender.lastOnTheWire();
                tampered.getArray()[tampered.getOffset() + 3] ^= 0x20;
                b.seal.up(tampered);
                forged++;
            }
        }
        assertEquals(senders.size() * 3, b.delivered.size());
        Message last = b.delivered.get(b.delivered.size() - 1);
        assertEquals("from " + senders.get(11).physical + " in round 2",
                new String(last.getArray(), last.getOffset(), last.getLength(), StandardCharsets.UTF_8));
        assertEquals(forged, b.seal.rejected());
        for (Node sender : senders) {
            assertEquals(3, sender.delivered.size(), "every answer opened at " + sender.physical);
        }
    }

    @Test
    void aMessageSentAsAnotherSourceIsDropped() throws Exception {
        Node a = new Node(KEY, 4001);
        Node b = new Node(KEY, 4002);
        a.seal.down(text(b.address, "hello"));
        Message replayed = a.lastOnTheWire();
        replayed.setSrc(ExtendedUUID.randomUUID("intruder"));
        b.seal.up(replayed);
        assertEquals(List.of(), b.delivered);
        assertEquals(1, b.seal.rejected());
    }

    @Test
    void aNodeWithAnotherSecretIsToldWhyAndAForgedRefusalIsIgnored() throws Exception {
        Node manager = new Node(KEY, 4001);
        Node intruder = new Node(OTHER_KEY, 4009);
        // a discovery request names where its sender listens: the manager cannot read it, but can answer
        intruder.seal.down(text(null, "who is there?").putHeader(ClassConfigurator.getProtocolId(TCPPING.class),
                new PingHeader(PingHeader.GET_MBRS_REQ)));
        manager.seal.up(intruder.lastOnTheWire());
        assertEquals(List.of(), manager.delivered);
        assertEquals(1, manager.sent.size());
        Message refusal = manager.lastOnTheWire();
        assertEquals(intruder.physical, manager.sent.get(0).getDest(), "sent where the request said its sender listens");
        intruder.seal.up(refusal);
        assertEquals(1, intruder.refusals.size());
        assertTrue(intruder.refusals.get(0).contains("do not hold the same cluster secret"), intruder.refusals.get(0));
        assertTrue(intruder.refusals.get(0).startsWith("a node answered \""), "quoted as another node's words");
        assertEquals(List.of(false), intruder.aboutTheFormat);

        // the same refusal again, or one naming a message the intruder never sent, counts for nothing
        Node bystander = new Node(KEY, 4003);
        bystander.seal.up(refusal);
        assertEquals(List.of(), bystander.refusals, "a refusal of another node's message is not this node's");
        assertEquals(1, bystander.seal.rejected());
    }

    @Test
    void anUnsealedDiscoveryClaimingMoreMembersThanItHoldsIsDroppedBeforeJGroupsSizesItsList() throws Exception {
        Node manager = new Node(KEY, 4001);
        Message discovery = new BytesMessage(null).putHeader(ClassConfigurator.getProtocolId(TCPPING.class),
                new PingHeader(PingHeader.GET_MBRS_REQ)).setArray(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0}); // 2 billion members
        discovery.setSrc(ExtendedUUID.randomUUID("stranger"));
        manager.seal.up(discovery); // JGroups made room for a list of 16 GB here: an OutOfMemoryError, and the node ended
        assertEquals(List.of(), manager.delivered);
        assertEquals(List.of(), manager.sent);
    }

    @Test
    void aSenderIsNamedInTheLogOnlyByANodeName() {
        ExtendedUUID forged = ExtendedUUID.randomUUID("x");
        forged.put(MemberCodec.ADDRESS_KEY, MemberCodec.encode(new ClusterMember("w-1\n2026-12-02 INFO Deployed evil.zip",
                java.util.Set.of(io.carbide.cluster.SubDomain.WORKER), "worker", "", "", "0.1.0", 0, "", "")));
        assertEquals("a node calling itself by no node name (37 characters)", ClusterSeal.describe(forged));
        ExtendedUUID real = ExtendedUUID.randomUUID("w-1");
        real.put(MemberCodec.ADDRESS_KEY, MemberCodec.encode(new ClusterMember("w-1",
                java.util.Set.of(io.carbide.cluster.SubDomain.WORKER), "worker", "", "", "0.1.0", 0, "", "")));
        assertEquals("a node calling itself w-1", ClusterSeal.describe(real));
    }

    @Test
    void aNodeOfTheEarlierFormatIsAnsweredInItsOwnTermsAndRefusedNamingBothFormats() throws Exception {
        Node manager = new Node(KEY, 4001);
        Address earlier = ExtendedUUID.randomUUID("old-worker");
        PhysicalAddress earlierPhysical = new IpAddress("127.0.0.1", 4077);
        short tcpping = ClassConfigurator.getProtocolId(TCPPING.class);
        Message discovery = new BytesMessage(null).putHeader(tcpping, new PingHeader(PingHeader.GET_MBRS_REQ))
                .setArray(Discovery.marshal(new PingData(earlier, false, "old-worker", earlierPhysical)));
        discovery.setSrc(earlier);
        manager.seal.up(discovery);
        assertEquals(1, manager.sent.size(), "its discovery is answered, so that it asks to join here");
        Message answer = manager.sent.get(0);
        assertNull(answer.getHeader(ClusterSeal.PROTOCOL_ID), "in the earlier format: unsealed");
        List<PingData> offered = Discovery.deserialize(answer.getArray(), answer.getOffset(), answer.getLength());
        assertEquals(manager.address, offered.get(0).getAddress());

        Message join = new BytesMessage(manager.address).putHeader(ClassConfigurator.getProtocolId(GMS.class),
                new GMS.GmsHeader(GMS.GmsHeader.JOIN_REQ, earlier));
        join.setSrc(earlier);
        manager.seal.up(join);
        assertEquals(2, manager.sent.size());
        Message refusal = manager.sent.get(1);
        assertEquals(earlierPhysical, refusal.getDest());
        JoinRsp response = Util.streamableFromBuffer(JoinRsp::new, refusal.getArray(), refusal.getOffset(),
                refusal.getLength());
        assertNull(response.getView());
        assertTrue(response.getFailReason().contains("format 2") && response.getFailReason().contains("format 1"),
                response.getFailReason());
        assertEquals(List.of(), manager.delivered);
    }

    @Test
    void nonceCountersNeverRepeatForOneSender() throws Exception {
        Node a = new Node(KEY, 4001);
        a.seal.down(text(null, "one"));
        a.seal.down(text(null, "one"));
        SealHeader first = (SealHeader) a.sent.get(0).getHeader(ClusterSeal.PROTOCOL_ID);
        SealHeader second = (SealHeader) a.sent.get(1).getHeader(ClusterSeal.PROTOCOL_ID);
        assertArrayEquals(first.salt(), second.salt());
        assertTrue(second.counter() > first.counter());
        assertTrue(!java.util.Arrays.equals(a.sent.get(0).getArray(), a.sent.get(1).getArray()),
                "the same message sealed twice never looks the same");
    }

    @Test
    void aMessageTakenOnceIsNotTakenAgain() throws Exception {
        Node a = new Node(KEY, 4001);
        Node b = new Node(KEY, 4002);
        a.seal.down(text(b.address, "deploy revision 7"));
        Message wire = a.lastOnTheWire();
        b.seal.up(wire);
        b.seal.up(a.lastOnTheWire());
        assertEquals(1, b.delivered.size(), "the replay was dropped");
        assertEquals(1, b.seal.rejected());
    }

    @Test
    void aUnicastToAnotherMemberSentOnHereIsDropped() throws Exception {
        Node a = new Node(KEY, 4001);
        Node b = new Node(KEY, 4002);
        Node c = new Node(KEY, 4003);
        a.seal.down(text(b.address, "for b only"));
        Message toB = a.lastOnTheWire();
        toB.setDest(c.address);
        c.seal.up(toB);
        assertEquals(List.of(), c.delivered);
        assertEquals(1, c.seal.rejected());
    }

    @Test
    void deliveryFlagsChangedOnTheWayAreRefused() throws Exception {
        Node a = new Node(KEY, 4001);
        Node b = new Node(KEY, 4002);
        a.seal.down(text(b.address, "in order, please"));
        Message wire = a.lastOnTheWire();
        wire.setFlag(Message.Flag.OOB);
        b.seal.up(wire);
        assertEquals(List.of(), b.delivered);
    }

    @Test
    void noAnswerGoesWhereNoConnectionCameFrom() throws Exception {
        Node manager = new Node(KEY, 4001);
        manager.seal.replyPaths(to -> false); // TCP, and that address never connected here
        Node intruder = new Node(OTHER_KEY, 4009);
        intruder.seal.down(text(null, "who is there?").putHeader(ClassConfigurator.getProtocolId(TCPPING.class),
                new PingHeader(PingHeader.GET_MBRS_REQ)));
        manager.seal.up(intruder.lastOnTheWire());
        assertEquals(List.of(), manager.sent);
        assertEquals(1, manager.seal.rejected());
    }

    @Test
    void duringARotationANodeOpensBothSecretsAndItsPeersFollowItToTheNext() throws Exception {
        Node old = new Node(KEY, 4001);
        Node next = new Node(NEXT_KEY, 4002);
        AtomicReference<KeySet> rotating = new AtomicReference<>(new KeySet(KEY, List.of(KEY, NEXT_KEY), List.of()));
        Node both = new Node(rotating::get, 4003);

        old.seal.down(text(null, "under the current secret"));
        both.seal.up(old.lastOnTheWire());
        next.seal.down(text(null, "under the next secret"));
        both.seal.up(next.lastOnTheWire());
        assertEquals(2, both.delivered.size(), "a node holding both opens either");

        both.seal.down(text(null, "sealed with the current secret"));
        old.seal.up(both.lastOnTheWire());
        assertEquals(1, old.delivered.size());

        rotating.set(new KeySet(NEXT_KEY, List.of(KEY, NEXT_KEY), List.of()));
        both.seal.down(text(null, "sealed with the next secret"));
        next.seal.up(both.lastOnTheWire());
        assertEquals(1, next.delivered.size(), "once it seals with the next secret, a node holding only that opens it");
        old.seal.up(both.lastOnTheWire());
        assertEquals(1, old.delivered.size(), "and a node holding only the old one no longer does");

        // the sender it learnt under the current secret is found again under the next one, and back
        old.seal.down(text(null, "still the current secret"));
        both.seal.up(old.lastOnTheWire());
        assertEquals(3, both.delivered.size());
        assertEquals(0, both.seal.rejected());
    }

    @Test
    void aNodeHoldingOnlyTheRetiredSecretIsToldSo() throws Exception {
        Node promoted = new Node(() -> new KeySet(NEXT_KEY, List.of(NEXT_KEY), List.of(KEY)), 4001);
        Node left = new Node(KEY, 4009);
        left.seal.down(text(null, "who is there?").putHeader(ClassConfigurator.getProtocolId(TCPPING.class),
                new PingHeader(PingHeader.GET_MBRS_REQ)));
        promoted.seal.up(left.lastOnTheWire());
        assertEquals(List.of(), promoted.delivered, "a retired secret is recognised, never accepted");
        assertEquals(1, promoted.seal.rejected());
        left.seal.up(promoted.lastOnTheWire());
        assertEquals(1, left.refusals.size());
        assertTrue(left.refusals.get(0).contains("retired in a rotation")
                && left.refusals.get(0).contains("current conf/cluster.secret"), left.refusals.get(0));
    }
}
