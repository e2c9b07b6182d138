package io.carbide.cluster;

import java.util.Set;

/**
 * A member of the cluster domain, as it announced itself when it joined.
 *
 * @param name the node's name, unique in the domain
 * @param subDomains {@code worker}, {@code mgt} or both
 * @param profile the profile the node runs
 * @param clientUrl base URL of its client port, e.g. {@code http://127.0.0.1:9765}
 * @param managementUrl base URL of its management port, or empty on a worker
 * @param version the Carbide version it runs
 * @param startedAt when it started, in epoch milliseconds
 * @param managersAddress {@code host:port} of its managers' channel (the consensus among managers),
 *     or empty on a node without the manager role
 * @param contentAddress {@code host:port} of its content port ({@link ContentChannel}), or empty
 *     when it has none (its port was taken, or it runs an older build)
 */
public record ClusterMember(String name, Set<SubDomain> subDomains, String profile, String clientUrl,
        String managementUrl, String version, long startedAt, String managersAddress, String contentAddress) {

    public boolean isIn(SubDomain subDomain) {
        return subDomains.contains(subDomain);
    }

    /**
     * This run of the node, {@code name@startedAt}: a node restarted within one view (before the
     * others saw it leave) is a new incarnation under the same name, and owes and is owed anew
     * what a member owes one that just joined.
     */
    public String incarnation() {
        return name + "@" + startedAt;
    }
}
