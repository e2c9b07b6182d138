package io.carbide.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BadTrafficFilterTest {

    @Test
    void oneLinePerSourcePerIntervalWithTheCountOfTheRest() {
        BadTrafficFilter filter = new BadTrafficFilter();
        filter.setIntervalSeconds(60);
        assertEquals(0, filter.admit("10.0.0.1", 1_000));
        for (int i = 0; i < 999; i++) {
            assertEquals(-1, filter.admit("10.0.0.1", 2_000 + i));
        }
        assertEquals(0, filter.admit("10.0.0.2", 3_000), "another source has a line of its own");
        assertEquals(999, filter.admit("10.0.0.1", 61_001), "the next line counts what was left out");
    }

    @Test
    void sourcesStayBoundedUnderAFloodFromEverywhere() {
        BadTrafficFilter filter = new BadTrafficFilter();
        for (int i = 0; i < 100_000; i++) {
            filter.admit("10.0." + (i / 250) + "." + (i % 250), 1_000 + i / 1000);
        }
        assertTrue(filter.sources() <= 257, "sources: " + filter.sources());
    }

    @Test
    void theGistHasNoSocketDumpNorExceptionClass() {
        String said = "JGRP000006: 127.0.0.1:4071: failed accepting connection from peer Socket[addr=/127.0.0.1,"
                + "port=46544,localport=4071]: java.net.SocketException: 127.0.0.1:4071: BaseServer.TcpConnection"
                + ".readPeerAddress(): cookie sent by /127.0.0.1:46544 does not match own cookie; terminating connection";
        String gist = BadTrafficFilter.summary(said);
        assertTrue(!gist.contains("Socket[") && !gist.contains("JGRP") && !gist.contains("SocketException"), gist);
        assertTrue(gist.contains("does not match own cookie"), gist);
    }

    @Test
    void theSourceComesFromTheLineOrFromTheThreadReadingTheConnection() {
        assertEquals("127.0.0.9", BadTrafficFilter.source("failed accepting connection from peer Socket[addr=/127.0.0.9,"
                + "port=1,localport=4071]", "TcpServer.Acceptor[4071]-1"));
        assertEquals("10.1.2.3", BadTrafficFilter.source("JGRP000030: mgr: failed handling incoming message",
                "Connection.Receiver [127.0.0.1:4071 - 10.1.2.3:45588]-16,carbide,mgr"));
        assertEquals("an unknown source", BadTrafficFilter.source("failed handling message", "NioServer.Selector"));
    }

    @Test
    void onlyTheTransportsWordsOnUnreadableConnectionsCountAsGarbage() {
        assertTrue(BadTrafficFilter.isGarbage("org.jgroups.protocols.TCP", "JGRP000006: 127.0.0.1:4071: failed "
                + "accepting connection from peer Socket[addr=/127.0.0.1]", null, "TcpServer.Acceptor[4071]-1"));
        assertTrue(BadTrafficFilter.isGarbage("org.jgroups.protocols.TCP", "JGRP000030: mgr: failed handling incoming "
                + "message", new java.io.EOFException(), "Connection.Receiver [127.0.0.1:4071 - 127.0.0.1:45588]-16"));
        assertTrue(BadTrafficFilter.isGarbage("org.jgroups.blocks.cs.NioServer", "failed handling message",
                new IllegalStateException("cookie read by 127.0.0.1:4171 does not match own cookie"), "NioServer.Selector"));
        // Carbide's transport, refusing a frame before anything reads it (too long, or claiming more than it holds)
        assertTrue(BadTrafficFilter.isGarbage("io.carbide.cluster.internal.GuardedTcp", "failed handling message",
                new java.io.IOException("a frame of -473065381 bytes is longer than any member sends"),
                "Connection.Receiver [127.0.0.1:17611 - 127.0.0.1:36418]-1"));
        assertTrue(BadTrafficFilter.isGarbage("io.carbide.cluster.internal.GuardedTcp", "JGRP000006: 127.0.0.1:4071: "
                + "failed accepting connection from peer Socket[addr=/127.0.0.1]", null, "TcpServer.Acceptor[4071]-1"));
        assertTrue(!BadTrafficFilter.isGarbage("io.carbide.cluster.internal.GuardedTcp", "failed handling message",
                new IllegalStateException("x"), "jgroups-5,carbide,mgr"));
        // failure detection's own connections: a frame it cannot read, after a valid preamble
        assertTrue(BadTrafficFilter.isGarbage("io.carbide.cluster.internal.GuardedFdSock2",
                "failed handling message received from 127.0.0.1:31338", new java.io.IOException(),
                "NioServer.Selector [/127.0.0.1:4431]-4,carbide,m3"));
        assertTrue(!BadTrafficFilter.isGarbage("io.carbide.cluster.internal.GuardedFdSock2", "suspecting mgr-1",
                null, "NioServer.Selector [/127.0.0.1:4431]-4,carbide,m3"));
        // a protocol's trouble with a message that authenticated is a real problem: logged as it comes
        assertTrue(!BadTrafficFilter.isGarbage("org.jgroups.protocols.pbcast.GMS", "failed reading JoinRsp", null,
                "jgroups-5"));
        assertTrue(!BadTrafficFilter.isGarbage("org.jgroups.protocols.TCP", "JGRP000030: mgr: failed handling incoming "
                + "message", new IllegalStateException("x"), "jgroups-5,carbide,mgr"));
        assertTrue(!BadTrafficFilter.isGarbage("org.jgroups.protocols.TCP", "JGRP000029: mgr: failed sending message",
                null, "TQ-Bundler-7"));
    }
}
