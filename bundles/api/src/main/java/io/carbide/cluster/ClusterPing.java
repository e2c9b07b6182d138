package io.carbide.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Asks the members of a sub-domain (or all) to answer, and reports who did and how fast: the
 * operator's "which workers can the manager reach right now?".
 */
public interface ClusterPing {

    /** One member's answer. */
    record Reply(String member, List<String> subDomains, long roundTripMillis) {
    }

    /**
     * Sends one ping to every other member of {@code subDomain} (every other member when empty)
     * and collects the answers that arrive within {@code wait}.
     */
    List<Reply> ping(Optional<SubDomain> subDomain, Duration wait);
}
