package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {

    private static final byte[] SALT = new byte[16];

    @Test
    void eachCounterIsTakenOnceEvenOutOfOrderWithinTheWindow() {
        ReplayWindow window = new ReplayWindow();
        assertTrue(window.firstTime(SALT, 5));
        assertTrue(window.firstTime(SALT, 3), "a little out of order is fine");
        assertFalse(window.firstTime(SALT, 5));
        assertFalse(window.firstTime(SALT, 3));
        assertTrue(window.firstTime(SALT, 5 + ReplayWindow.WIDTH));
        assertFalse(window.firstTime(SALT, 4), "older than the window: a replay");
        assertFalse(window.firstTime(SALT, 0));
        assertTrue(window.firstTime(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 5),
                "another sender counts on its own");
    }

    @Test
    void answersToUnauthenticatedPacketsAreRationed() throws Exception {
        ReplyGate gate = new ReplyGate(to -> true);
        IpAddress one = new IpAddress("127.0.0.1", 4001);
        assertTrue(gate.mayAnswer(one, "refusal", 1_000));
        assertFalse(gate.mayAnswer(one, "refusal", 1_500), "one a second per destination");
        int answered = 0;
        for (int port = 5000; port < 5100; port++) {
            answered += gate.mayAnswer(new IpAddress("127.0.0.1", port), "refusal", 1_600) ? 1 : 0;
        }
        assertTrue(answered < ReplyGate.PER_SECOND, "at most " + ReplyGate.PER_SECOND + " a second in all: " + answered);
        assertFalse(new ReplyGate(to -> false).mayAnswer(one, "refusal", 1_000),
                "never over a path that needs a new connection");
        assertFalse(gate.mayAnswer(null, "refusal", 9_000));
    }
}
