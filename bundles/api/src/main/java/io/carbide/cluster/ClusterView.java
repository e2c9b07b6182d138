package io.carbide.cluster;

import java.util.List;
import java.util.Optional;

/**
 * The members of the domain at one moment, oldest first, as every member agrees on them.
 *
 * @param id increases with every membership change
 * @param merged true when this view healed a partition; state may have diverged on both sides
 */
public record ClusterView(String domain, long id, List<ClusterMember> members, ClusterMember self, boolean merged) {

    public List<ClusterMember> in(SubDomain subDomain) {
        return members.stream().filter(m -> m.isIn(subDomain)).toList();
    }

    public Optional<ClusterMember> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }
}
