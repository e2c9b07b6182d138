package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReportedManagersTest {

    private static ClusterMember manager(String name, long startedAt) {
        return new ClusterMember(name, Set.of(SubDomain.MGT), "manager", "", "", "0.1.0", startedAt, "", "");
    }

    @Test
    void aManagerIsAnsweredAtItsFirstAnnouncementThenOnlyOnceTheLastReportIsAMinuteOld() {
        ReportedManagers reported = new ReportedManagers();
        ClusterMember mgr = manager("mgr-2", 1_000);

        assertTrue(reported.due(mgr, 10_000), "its first announcement");
        assertFalse(reported.due(mgr, 15_000), "the next, 5 s on");
        assertTrue(reported.due(mgr, 10_000 + ReportedManagers.REFRESH_MILLIS),
                "a minute on: a report lost on the way is made good");
    }

    @Test
    void aReportToEveryManagerPutsOffTheRefreshOfThoseAnsweredOnly() {
        ReportedManagers reported = new ReportedManagers();
        ClusterMember answered = manager("mgr-1", 1_000);
        ClusterMember starting = manager("mgr-2", 2_000);
        reported.due(answered, 10_000);

        reported.sentToAll(50_000);

        assertFalse(reported.due(answered, 80_000), "its latest report is 30 s old");
        assertTrue(reported.due(starting, 80_000), "it may have joined before it could take the report to all");
    }

    @Test
    void aManagerThatRestartedIsANewOneEvenInTheSameView() {
        ReportedManagers reported = new ReportedManagers();
        reported.due(manager("mgr-2", 1_000), 10_000);

        assertTrue(reported.due(manager("mgr-2", 20_000), 21_000), "same name, another start");
    }

    @Test
    void aManagerThatLeftIsAnsweredAgainWhenItReturns() {
        ReportedManagers reported = new ReportedManagers();
        ClusterMember mgr = manager("mgr-2", 1_000);
        ClusterMember self = manager("w-1", 500);
        reported.due(mgr, 10_000);

        reported.retain(new ClusterView("carbide", 3, List.of(self), self, false));

        assertTrue(reported.due(mgr, 12_000));
    }
}
