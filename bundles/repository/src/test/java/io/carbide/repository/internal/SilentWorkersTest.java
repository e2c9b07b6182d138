package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SilentWorkersTest {

    private static final ClusterMember MGR = new ClusterMember("mgr-2", Set.of(SubDomain.MGT), "manager", "", "",
            "0.1.0", 1, "", "");

    private static ClusterMember worker(String name, long startedAt) {
        return new ClusterMember(name, Set.of(SubDomain.WORKER), "worker", "", "", "0.1.0", startedAt, "", "");
    }

    private static ClusterView view(ClusterMember... members) {
        List<ClusterMember> all = new java.util.ArrayList<>(List.of(members));
        all.add(MGR);
        return new ClusterView("carbide", 5, all, MGR, false);
    }

    @Test
    void aWorkerNeverHeardFromIsNamedOnceAfterNinetySecondsAndOneThatReportsNever() {
        SilentWorkers silent = new SilentWorkers();
        ClusterMember w1 = worker("w-1", 10);
        ClusterMember w2 = worker("w-2", 20);
        ClusterView view = view(w1, w2);

        assertEquals(List.of(), silent.check(view, Set.of("w-1"), 1_000));
        assertEquals(List.of(), silent.check(view, Set.of("w-1"), 65_000), "its one-minute re-send may yet come");
        assertEquals(List.of(w2), silent.check(view, Set.of("w-1"), 91_000));
        assertEquals(List.of(), silent.check(view, Set.of("w-1"), 120_000), "named once");
    }

    @Test
    void aWorkerThatRestartsIsWatchedAfresh() {
        SilentWorkers silent = new SilentWorkers();
        silent.check(view(worker("w-2", 20)), Set.of(), 0);
        assertEquals(1, silent.check(view(worker("w-2", 20)), Set.of(), 90_000).size());

        ClusterMember again = worker("w-2", 100_000);
        assertEquals(List.of(), silent.check(view(again), Set.of(), 101_000));
        assertEquals(List.of(again), silent.check(view(again), Set.of(), 191_000));
    }

    @Test
    void aReportInTimeClearsTheWatch() {
        SilentWorkers silent = new SilentWorkers();
        ClusterMember w1 = worker("w-1", 10);
        silent.check(view(w1), Set.of(), 0);
        silent.check(view(w1), Set.of("w-1"), 10_000);
        assertEquals(List.of(), silent.check(view(w1), Set.of(), 95_000), "its silence counts from now on");
    }
}
