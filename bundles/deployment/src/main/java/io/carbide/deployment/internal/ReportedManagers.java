package io.carbide.deployment.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The managers that have this node's report since they appeared in the view, and when each was
 * last sent one. A report is sent once and never acknowledged: one lost on the way (dropped by a
 * manager still starting its bundles, say) would leave that manager without this node until
 * something changed here, and its fleet view and rollout plans without it. So a manager's
 * announcement, which comes every few seconds, is answered with a report whenever the last one it
 * was sent is {@link #REFRESH_MILLIS} old. Managers are known by incarnation (name and start
 * time): one that restarted within a single view (a merge, or a suspicion healed in one step) is
 * a new one and gets its report at once.
 */
final class ReportedManagers {

    static final long REFRESH_MILLIS = 60_000;

    private final Map<String, Long> lastSent = new ConcurrentHashMap<>();

    /** Whether {@code manager}'s announcement is to be answered with a report; if so, it counts as sent now. */
    boolean due(ClusterMember manager, long now) {
        String key = manager.incarnation();
        Long last = lastSent.get(key);
        if (last != null && now - last < REFRESH_MILLIS) {
            return false;
        }
        lastSent.put(key, now); // one manager's announcements arrive one at a time
        return true;
    }

    /**
     * A report went to every manager. Those already answered count it as their latest; one not
     * answered yet is not marked, since it may have joined before its replicator could take it.
     */
    void sentToAll(long now) {
        lastSent.replaceAll((manager, last) -> now);
    }

    /** Forgets the managers that left: one that comes back is answered at its first announcement. */
    void retain(ClusterView view) {
        Set<String> present = view.members().stream().map(ClusterMember::incarnation).collect(Collectors.toSet());
        lastSent.keySet().retainAll(present);
    }
}
