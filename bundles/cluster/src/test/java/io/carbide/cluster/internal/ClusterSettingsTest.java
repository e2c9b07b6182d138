package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClusterSettingsTest {

    @Test
    void joinTimeoutFallsBackToTheRolesDefaultWhenUnset() {
        assertEquals(3_000, ClusterSettings.joinTimeout(null, ClusterSettings.WORKER_JOIN_TIMEOUT_MILLIS));
        assertEquals(500, ClusterSettings.joinTimeout(" ", ClusterSettings.MANAGER_JOIN_TIMEOUT_MILLIS));
        assertEquals(1_200, ClusterSettings.joinTimeout(" 1200 ", ClusterSettings.WORKER_JOIN_TIMEOUT_MILLIS));
    }

    @Test
    void joinTimeoutThatIsNoUsableNumberIsRefusedWithWhatToDo() {
        for (String bad : new String[] {"2s", "-1", "50", "600000", "soon"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ClusterSettings.joinTimeout(bad, 500));
            assertTrue(e.getMessage().contains("carbide.cluster.joinTimeout '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("leave it unset for 500"), e.getMessage());
        }
    }
}
