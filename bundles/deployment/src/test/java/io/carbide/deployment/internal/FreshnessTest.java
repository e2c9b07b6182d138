package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.node.Readiness;
import org.junit.jupiter.api.Test;

/** The /health states a worker's content gives a load balancer: starting, ready, lagging, refused. */
class FreshnessTest {

    private static final String UNREACHABLE = "no manager is reachable through well-known members 127.0.0.1[4001]";

    @Test
    void aWorkerStartsUntilItHasCaughtUpOnceAndThenStaysReadyWhileItAppliesANewerRevision() {
        Freshness freshness = new Freshness(60, 60);
        Readiness starting = freshness.readiness(null, "catching up with mgr-1", null, "");
        assertEquals(Readiness.State.STARTING, starting.state());
        assertEquals("catching up with mgr-1", starting.reason());
        assertEquals(503, starting.state().httpStatus());

        freshness.synced(4, 5);
        assertEquals(Readiness.State.STARTING, freshness.readiness(null, "catching up", null, "").state(),
                "a sync that left it behind is no catching up");
        freshness.synced(5, 5);
        assertEquals(Readiness.ready(), freshness.readiness(null, "", null, ""));

        freshness.behind(); // revision 6 announced: it keeps serving 5 meanwhile
        assertEquals(Readiness.State.READY, freshness.readiness(null, "", null, "1 revision behind").state());
    }

    @Test
    void aWorkerBehindWithoutProgressForLongerThanTheLimitIsLaggingUntilItCatchesUp() throws Exception {
        Freshness freshness = new Freshness(60, 0); // carbide.health.maxLagSeconds=0: any wait is too long
        freshness.synced(5, 5);
        freshness.behind();
        Thread.sleep(5);
        Readiness lagging = freshness.readiness(null, "", null, "2 revisions behind mgr-1");
        assertEquals(Readiness.State.LAGGING, lagging.state());
        assertTrue(lagging.reason().startsWith("2 revisions behind mgr-1 for ") && lagging.reason()
                .endsWith(" s without progress"), lagging.reason());
        assertEquals(503, lagging.state().httpStatus());

        freshness.synced(7, 7);
        assertEquals(Readiness.State.READY, freshness.readiness(null, "", null, "").state());
    }

    @Test
    void progressWithinTheLimitKeepsABehindWorkerReady() {
        Freshness freshness = new Freshness(60, 60);
        freshness.synced(5, 5);
        freshness.behind();
        freshness.progressed();
        assertEquals(Readiness.State.READY, freshness.readiness(null, "", null, "a 2 GB artifact on its way").state());
    }

    @Test
    void withoutAManagerAfterTheGraceAWorkerServesItsVerifiedCopyOrIsRefusedWithNothingToServe() throws Exception {
        Freshness withinGrace = new Freshness(60, 60);
        assertEquals(Readiness.State.STARTING, withinGrace.readiness(UNREACHABLE, "looking for a manager", "3 artifacts at "
                + "revision 9", "").state(), "within the grace it still waits for a manager");

        Freshness graceOver = new Freshness(0, 60);
        Thread.sleep(5);
        Readiness serving = graceOver.readiness(UNREACHABLE, "", "3 artifacts at revision 9", "");
        assertEquals(Readiness.State.READY, serving.state());
        assertTrue(serving.reason().startsWith("serving its verified local copy (3 artifacts at revision 9)")
                && serving.reason().contains(UNREACHABLE), serving.reason());

        Readiness refused = graceOver.readiness(UNREACHABLE, "", null, "");
        assertEquals(Readiness.State.REFUSED, refused.state());
        assertEquals("nothing to serve: " + UNREACHABLE, refused.reason());
    }

    @Test
    void aCaughtUpWorkerThatLosesItsManagersStaysReadyAndSaysWhatItServes() {
        Freshness freshness = new Freshness(60, 60);
        freshness.synced(5, 5);
        Readiness alone = freshness.readiness(UNREACHABLE, "", "3 artifacts at revision 5", "");
        assertEquals(Readiness.State.READY, alone.state());
        assertEquals(UNREACHABLE + "; serving 3 artifacts at revision 5", alone.reason());
    }
}
