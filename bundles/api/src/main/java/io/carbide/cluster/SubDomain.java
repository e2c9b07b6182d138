package io.carbide.cluster;

import io.carbide.node.Role;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The two sub-domains of a cluster domain, as WSO2 users know them: {@code worker} for the nodes
 * that serve clients and {@code mgt} for the management nodes. A default-profile node is in both.
 */
public enum SubDomain {
    WORKER("worker"),
    MGT("mgt");

    private final String label;

    SubDomain(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The sub-domains a node with these roles belongs to. */
    public static Set<SubDomain> of(Set<Role> roles) {
        EnumSet<SubDomain> subDomains = EnumSet.noneOf(SubDomain.class);
        if (roles.contains(Role.WORKER)) {
            subDomains.add(WORKER);
        }
        if (roles.contains(Role.MANAGER)) {
            subDomains.add(MGT);
        }
        return subDomains;
    }

    public static SubDomain parse(String label) {
        for (SubDomain subDomain : values()) {
            if (subDomain.label.equals(label.trim().toLowerCase(Locale.ROOT))) {
                return subDomain;
            }
        }
        throw new IllegalArgumentException("unknown sub-domain '" + label + "' (known: worker, mgt)");
    }
}
