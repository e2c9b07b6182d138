package io.carbide.management.internal.auth;

import java.util.Locale;

/**
 * What a management user may do, each role including the ones before it: a {@link #VIEWER} reads
 * everything (secret configuration values masked); a {@link #DEPLOYER} also uploads, undeploys,
 * rolls back and steers rollouts; an {@link #ADMIN} also manages users, configuration, managers and
 * which repository workers follow.
 */
public enum UserRole {
    VIEWER, DEPLOYER, ADMIN;

    /** As written in the users file and the API: {@code viewer}, {@code deployer}, {@code admin}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this role may do what {@code needed} may. */
    public boolean includes(UserRole needed) {
        return compareTo(needed) >= 0;
    }

    public static UserRole parse(String label) {
        for (UserRole role : values()) {
            if (role.label().equals(label == null ? "" : label.strip().toLowerCase(Locale.ROOT))) {
                return role;
            }
        }
        throw new IllegalArgumentException("'" + label + "' is not a role: viewer, deployer or admin");
    }
}
