package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClusterSettingsTest {

    @Test
    void joinTimeoutFallsBackToTheRolesDefaultWhenUnset() {
        assertEquals(3_000, ClusterSettings.joinTimeout(null, ClusterSettings.WORKER_JOIN_TIMEOUT_MILLIS));
        assertEquals(500, ClusterSettings.joinTimeout(" ", ClusterSettings.MANAGER_JOIN_TIMEOUT_MILLIS));
    }

    @Test
    void onlyAManagerThatVotesAloneGivesUpItsJoinSoon() {
        assertEquals(500, ClusterSettings.defaultJoinTimeout(true, "mgr-1"));
        assertEquals(500, ClusterSettings.defaultJoinTimeout(true, " mgr-1 , mgr-1,"));
        assertEquals(3_000, ClusterSettings.defaultJoinTimeout(true, "mgr-1,mgr-2,mgr-3"),
                "one of three commits nothing alone: it waits to find the others rather than merge with them later");
        assertEquals(3_000, ClusterSettings.defaultJoinTimeout(false, "w-1"));
    }

    @Test
    void joinTimeoutIsReadAsTheStackFilesWriteTimes() {
        assertEquals(1_200, ClusterSettings.joinTimeout(" 1200 ", 3_000));
        assertEquals(750, ClusterSettings.joinTimeout("750ms", 3_000));
        assertEquals(2_000, ClusterSettings.joinTimeout("2S", 3_000));
    }

    @Test
    void joinTimeoutThatIsNoUsableTimeKeepsTheNodeInItsClusterWithTheDefault() {
        // a node that threw here would start without its cluster and serve nothing
        for (String bad : new String[] {"soon", "-1", "50", "11s", "600000", "3 minutes", "ms"}) {
            assertEquals(3_000, ClusterSettings.joinTimeout(bad, 3_000), bad);
        }
    }

    @Test
    void joinTimeoutInMinutesIsOutOfRangeAndWarnedAbout() {
        assertEquals(500, ClusterSettings.joinTimeout("1m", 500));
        assertEquals(10_000, ClusterSettings.joinTimeout("10s", 500));
    }

    @Test
    void aWildcardBindAddressIsOneTheOtherNodesCannotReachThisNodeAt() {
        for (String wildcard : new String[] {"0.0.0.0", " 0.0.0.0 ", "::", "[::]", "0:0:0:0:0:0:0:0"}) {
            assertTrue(ClusterSettings.isWildcard(wildcard), wildcard);
        }
        for (String usable : new String[] {"127.0.0.1", "10.0.0.5", "::1", "fe80::1", "node-1.example.org", "cafe", "bad.face", "1.2.3"}) {
            assertFalse(ClusterSettings.isWildcard(usable), usable);
        }
    }

    @Test
    void contentPortIsANumberAnyOrOffAndAnythingElseIsUnusable() {
        assertEquals(4201, ClusterSettings.contentPort(" 4201 ").getAsInt());
        assertEquals(0, ClusterSettings.contentPort("0").getAsInt());
        assertEquals(ClusterSettings.NO_CONTENT_PORT, ClusterSettings.contentPort("OFF").getAsInt());
        for (String bad : new String[] {"", "port", "-1", "65536", "42o1"}) {
            assertTrue(ClusterSettings.contentPort(bad).isEmpty(), bad);
        }
    }
}
