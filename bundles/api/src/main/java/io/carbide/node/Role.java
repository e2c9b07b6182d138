package io.carbide.node;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The two jobs a node can do. A profile gives a node one or both; a bundle that declares a role
 * in its {@value #HEADER} manifest header is only ever installed on nodes that have that role.
 */
public enum Role {
    /** Serves client requests from the deployed artifacts; read-only when it is not also a manager. */
    WORKER,
    /** Owns the deploy folder, the artifact repository and the configuration; hosts management. */
    MANAGER;

    /** Manifest header listing the roles a bundle belongs to, e.g. {@code Carbide-Role: manager}. */
    public static final String HEADER = "Carbide-Role";

    /** The name users write in profiles and manifests: {@code worker} or {@code manager}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a role as users write it.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code text} is neither
     */
    public static Role parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Role role : values()) {
            if (role.label().equals(t)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role '" + text.trim() + "' (known roles: worker, manager)");
    }

    /**
     * The roles a bundle declares in its {@value #HEADER} header. A bundle without the header
     * (every third-party bundle) belongs to both roles.
     *
     * @throws IllegalArgumentException when the header names an unknown role
     */
    public static Set<Role> ofHeader(String header) {
        if (header == null || header.isBlank()) {
            return Collections.unmodifiableSet(EnumSet.allOf(Role.class));
        }
        EnumSet<Role> roles = EnumSet.noneOf(Role.class);
        for (String label : header.split(",")) {
            if (!label.isBlank()) {
                roles.add(parse(label));
            }
        }
        return Collections.unmodifiableSet(roles);
    }

    /** Whether a bundle declaring {@code bundleRoles} may run on a node with {@code nodeRoles}. */
    public static boolean admits(Set<Role> nodeRoles, Set<Role> bundleRoles) {
        return bundleRoles.stream().anyMatch(nodeRoles::contains);
    }

    /** Role labels joined for people and properties: {@code worker,manager}. */
    public static String labels(Set<Role> roles) {
        return String.join(",", roles.stream().map(Role::label).toList());
    }
}
