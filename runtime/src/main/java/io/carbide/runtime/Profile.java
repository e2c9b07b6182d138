package io.carbide.runtime;

import io.carbide.node.Role;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A profile: the one switch that decides a node's roles, and so both its bundle set and whether
 * it is read-only.
 *
 * @param features the feature names to take, or empty to take every feature sharing a role
 * @param properties framework properties the profile sets ({@code property.X = value} lines)
 */
public record Profile(String name, Path file, String description, Set<Role> roles, List<String> features,
        Map<String, String> properties) {

    public boolean takesAllFeatures() {
        return features.isEmpty();
    }

    public boolean isReadOnly() {
        return !roles.contains(Role.MANAGER);
    }
}
