package io.carbide.repository.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Notices a worker that has been in this manager's view for {@link #SILENT_AFTER_MILLIS} without
 * a single report reaching it. A worker reports when the view changes, answers a manager's first
 * announcement, and answers again once its last report to that manager is a minute old (so a
 * report lost on the way is made good); one still silent after that is either busy for longer
 * than that on its deployment thread (a restore of a large local copy) or has a path to this
 * manager that loses its messages (seen, rarely, between a worker and a manager that restarted).
 * Each such worker is named once per incarnation, so the warning, with what the path looks like,
 * is there to read afterwards.
 */
final class SilentWorkers {

    static final long SILENT_AFTER_MILLIS = 90_000; // past the workers' one-minute re-send and two announcements

    /** When each worker, by incarnation, was first seen in the view without a report here. */
    private final Map<String, Long> unheardSince = new HashMap<>();
    private final Set<String> named = new java.util.HashSet<>();

    /** The workers to warn about now: silent for long enough, and not named before. */
    synchronized List<ClusterMember> check(ClusterView view, Set<String> reported, long now) {
        List<ClusterMember> silent = new ArrayList<>();
        Set<String> present = new java.util.HashSet<>();
        for (ClusterMember worker : view.in(SubDomain.WORKER)) {
            if (worker.name().equals(view.self().name())) {
                continue;
            }
            String key = worker.incarnation();
            present.add(key);
            if (reported.contains(worker.name())) {
                unheardSince.remove(key);
                continue;
            }
            long since = unheardSince.computeIfAbsent(key, k -> now);
            if (now - since >= SILENT_AFTER_MILLIS && named.add(key)) {
                silent.add(worker);
            }
        }
        unheardSince.keySet().retainAll(present);
        named.retainAll(present);
        return silent;
    }
}
