package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.SubDomain;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    @Test
    void roundTripKeepsKindCorrelationTypeVersionAndPayload() throws Exception {
        Envelope sent = new Envelope(Envelope.Kind.REQUEST, 42, new ClusterMessage("deployment.sync", 3, new byte[] {1, 2, 3}));
        byte[] bytes = sent.encode();
        Envelope received = Envelope.decode(bytes, 0, bytes.length);
        assertEquals(Envelope.Kind.REQUEST, received.kind());
        assertEquals(42, received.correlation());
        assertEquals("deployment.sync", received.message().type());
        assertEquals(3, received.message().version());
        assertArrayEquals(new byte[] {1, 2, 3}, received.message().payload());
    }

    @Test
    void garbageIsRejectedNeverTrusted() {
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            try {
                Envelope.decode(garbage, 0, garbage.length);
            } catch (Envelope.MalformedEnvelopeException expected) {
                // the only acceptable failure
            }
        }
        byte[] good = new Envelope(Envelope.Kind.ONE_WAY, 0, new ClusterMessage("t", 1, new byte[100])).encode();
        Envelope.MalformedEnvelopeException truncated = assertThrows(Envelope.MalformedEnvelopeException.class,
                () -> Envelope.decode(good, 0, good.length - 10));
        assertTrue(truncated.getMessage().contains("payload length 100"), truncated.getMessage());
        byte[] future = Arrays.copyOf(good, good.length);
        future[1] = 9;
        assertTrue(assertThrows(Envelope.MalformedEnvelopeException.class, () -> Envelope.decode(future, 0, future.length))
                .getMessage().contains("envelope version 9"));
    }

    @Test
    void memberDescriptionRoundTrips() throws Exception {
        ClusterMember member = new ClusterMember("w-1", EnumSet.of(SubDomain.WORKER, SubDomain.MGT), "default",
                "http://127.0.0.1:9763", "http://127.0.0.1:9443", "0.1.0", 1234L, "127.0.0.1:4500", "127.0.0.1:4200");
        assertEquals(member, MemberCodec.decode(MemberCodec.encode(member)));
        // a version 2 description (no content port) and a version 1 (no managers' address either) read with those empty
        byte[] version3 = MemberCodec.encode(member);
        byte[] version2 = java.util.Arrays.copyOf(version3, version3.length - 2 - "127.0.0.1:4200".length());
        version2[0] = 2;
        ClusterMember older = MemberCodec.decode(version2);
        assertEquals("", older.contentAddress());
        assertEquals("127.0.0.1:4500", older.managersAddress());
        byte[] version1 = java.util.Arrays.copyOf(version2, version2.length - 2 - "127.0.0.1:4500".length());
        version1[0] = 1;
        ClusterMember read = MemberCodec.decode(version1);
        assertEquals("", read.managersAddress());
        assertEquals(member.clientUrl(), read.clientUrl());
    }
}
