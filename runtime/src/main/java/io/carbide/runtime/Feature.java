package io.carbide.runtime;

import io.carbide.node.Role;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A named bundle set from a features file, tagged with the roles it belongs to.
 *
 * @param file and {@code line} say where it is declared, for error messages
 */
public record Feature(String name, Set<Role> roles, String description, Path file, int line,
        List<FeatureBundle> bundles) {

    /** One bundle of a feature, by Maven coordinate, and when it starts. */
    public record FeatureBundle(MavenCoordinate coordinate, int startLevel, int line) {
    }

    public String where() {
        return file + " line " + line;
    }
}
