package io.carbide.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * What a node will install: the bundles its profile's features name, in start order, and the
 * bundles refused because their declared role is one the profile lacks.
 */
public record BundlePlan(Profile profile, List<String> features, List<PlannedBundle> bundles, List<Refusal> refused) {

    /** A bundle to install from {@code file} at {@code startLevel}, named by {@code feature}. */
    public record PlannedBundle(MavenCoordinate coordinate, Path file, int startLevel, String feature) {
    }

    /** A bundle left out, and the sentence that says why. */
    public record Refusal(MavenCoordinate coordinate, String reason) {
    }

    public int highestStartLevel() {
        return bundles.stream().mapToInt(PlannedBundle::startLevel).max().orElse(1);
    }
}
