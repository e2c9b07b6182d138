package io.carbide.cluster.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jgroups.Address;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.raft.util.CommitTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a lagging follower what it lacks, from the leader. RAFT resends only when its own queue
 * has been idle for {@code resend_interval}: under a steady stream of changes, a manager that
 * rejoined would never catch up. A follower whose acknowledged index has not moved for a while,
 * and is behind, is flushed from here. Called from one thread only.
 */
final class FollowerCatchUp {

    private static final Logger LOG = LoggerFactory.getLogger(FollowerCatchUp.class);
    private static final long STALE_FOLLOWER_MILLIS = 2_000;

    /** Per follower: the last acknowledged index seen, and since when. */
    private final Map<Address, long[]> followers = new HashMap<>();

    void tend(RAFT raft) {
        CommitTable table = raft.commitTable();
        if (table == null) {
            return;
        }
        long now = System.currentTimeMillis();
        List<Address> stale = new ArrayList<>();
        table.forEach((member, entry) -> {
            long[] seen = followers.computeIfAbsent(member, m -> new long[] {-1, now});
            if (seen[0] != entry.matchIndex()) {
                seen[0] = entry.matchIndex();
                seen[1] = now;
            } else if (entry.matchIndex() < raft.lastAppended() && now - seen[1] > STALE_FOLLOWER_MILLIS) {
                stale.add(member);
                seen[1] = now;
            }
        });
        for (Address member : stale) {
            try {
                raft.flushCommitTable(member);
            } catch (RuntimeException e) {
                LOG.debug("Could not resend to {}: {}", member, e.toString());
            }
        }
    }
}
