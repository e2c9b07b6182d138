package io.carbide.management.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final LoginThrottle throttle = new LoginThrottle(now::get);

    @Test
    void oneNameFromOneAddressWaitsLongerAfterEachFailureBeyondTheFreeOnes() {
        String ops = LoginThrottle.key("ops", "127.0.0.1");
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed(ops, "ops", "127.0.0.1");
            assertEquals(0, throttle.secondsToWait(ops), "typos cost nothing at first");
        }
        long[] expected = {1, 2, 4, 8, 16, 32, 60, 60};
        for (long seconds : expected) {
            throttle.failed(ops, "ops", "127.0.0.1");
            assertEquals(seconds, throttle.secondsToWait(ops));
            now.addAndGet(seconds * 1000);
            assertEquals(0, throttle.secondsToWait(ops), "the pause ends");
        }
        throttle.succeeded(ops);
        throttle.failed(ops, "ops", "127.0.0.1");
        assertEquals(0, throttle.secondsToWait(ops), "a success starts the history afresh");
    }

    @Test
    void otherNamesAndAddressesHaveTheirOwnHistory() {
        String ops = LoginThrottle.key("ops", "127.0.0.1");
        for (int i = 0; i <= LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed(ops, "ops", "127.0.0.1");
        }
        assertEquals(1, throttle.secondsToWait(ops));
        assertEquals(0, throttle.secondsToWait(LoginThrottle.key("admin", "127.0.0.1")), "another operator");
        assertEquals(0, throttle.secondsToWait(LoginThrottle.key("ops", "10.0.0.7")), "the same name elsewhere");
        assertEquals(0, throttle.secondsToWait(LoginThrottle.key("made-up", "127.0.0.1")),
                "a name that is no user has a history of its own too: nothing tells it apart from a real one");
    }
}
