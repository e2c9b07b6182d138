package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgroups.JChannel;
import org.jgroups.protocols.FRAG2;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

class UnansweredRequestsTest {

    private static JChannel member(String name) throws Exception {
        return new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(), new UNICAST3(),
                new STABLE(), new GMS().setJoinTimeout(500), new UFC().setMaxCredits(1_000_000), new FRAG2())
                .name(name);
    }

    /** Both in one cluster, once {@code one} sees {@code two}. */
    private static void connect(JChannel one, JChannel two, String cluster) throws Exception {
        one.connect(cluster);
        two.connect(cluster);
        for (int i = 0; i < 50 && one.getView().size() < 2; i++) {
            Thread.sleep(100);
        }
        assertEquals(2, one.getView().size());
    }

    @Test
    void thePathToAMemberTellsWhatWaitsForItAndTheCreditLeft() throws Exception {
        try (JChannel one = member("one"); JChannel two = member("two")) {
            connect(one, two, "unanswered-requests-test");
            String path = UnansweredRequests.path(one, two.getAddress());
            assertTrue(path.startsWith("at "), path);
            assertTrue(path.matches("at .*, \\d+ messages? to it not acknowledged, .*"), path);
            assertTrue(path.contains(", 1000000 bytes of flow-control credit left for it"), path);
        }
    }

    @Test
    void theReceivingSideNamesWhatUnicastHoldsFromTheMember() throws Exception {
        try (JChannel one = member("one"); JChannel two = member("two")) {
            connect(one, two, "unanswered-requests-received");
            two.send(one.getAddress(), "a report");
            String received = "";
            for (int i = 0; i < 50 && !received.contains("UNICAST3"); i++) {
                Thread.sleep(100);
                received = UnansweredRequests.received(one, two.getAddress());
            }
            assertTrue(received.startsWith("; UNICAST3 (sending, then receiving): two: "), received);
        }
        assertEquals("", UnansweredRequests.received(null, UUID.randomUUID()));
    }

    @Test
    void aMemberThatLeftIsSaidToBeGone() throws Exception {
        try (JChannel one = member("alone")) {
            one.connect("unanswered-requests-alone");
            assertEquals("it is no longer in this node's view", UnansweredRequests.path(one, UUID.randomUUID()));
        }
        assertEquals("this node is not connected", UnansweredRequests.path(null, UUID.randomUUID()));
    }
}
