package io.carbide.management.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionsTest {

    private final Sessions sessions = new Sessions();

    @Test
    void aPasswordChangeEndsTheUsersOtherSessionsAndSparesTheOneThatMadeIt() {
        String console = sessions.open("ops");
        String laptop = sessions.open("ops");
        String other = sessions.open("vera");

        sessions.spare(console, () -> sessions.closeAll("ops"));

        assertEquals(Optional.of("ops"), sessions.user(console), "the same token goes on: requests in flight keep working");
        assertEquals(Optional.empty(), sessions.user(laptop));
        assertEquals(Optional.of("vera"), sessions.user(other));
    }

    @Test
    void theSessionIsSparedOnlyWhileItsChangeRuns() {
        String console = sessions.open("ops");
        sessions.spare(console, () -> { });
        sessions.closeAll("ops");
        assertEquals(Optional.empty(), sessions.user(console));
    }

    @Test
    void aChangeWithoutASessionEndsThemAll() {
        String console = sessions.open("ops");
        sessions.spare(null, () -> sessions.closeAll("ops"));
        assertEquals(Optional.empty(), sessions.user(console));
    }
}
