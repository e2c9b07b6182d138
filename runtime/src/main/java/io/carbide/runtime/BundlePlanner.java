package io.carbide.runtime;

import io.carbide.node.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Turns a profile into the list of bundle files to install: picks the features (every feature
 * sharing one of the profile's roles, or those the profile names), finds each bundle in the
 * {@code system/} repository, and refuses any bundle whose own {@code Carbide-Role} header names
 * only roles the profile lacks, even when a feature lists it by mistake.
 */
public final class BundlePlanner {

    private final Path systemRepository;

    public BundlePlanner(Path systemRepository) {
        this.systemRepository = systemRepository;
    }

    public BundlePlan plan(Profile profile, Map<String, Feature> features) throws LaunchException {
        List<Feature> chosen = choose(profile, features);
        Map<MavenCoordinate, BundlePlan.PlannedBundle> bundles = new LinkedHashMap<>();
        List<BundlePlan.Refusal> refused = new ArrayList<>();
        for (Feature feature : chosen) {
            for (Feature.FeatureBundle entry : feature.bundles()) {
                BundlePlan.PlannedBundle earlier = bundles.get(entry.coordinate());
                if (earlier != null) {
                    // listed by two features: it starts as early as either asks
                    if (entry.startLevel() < earlier.startLevel()) {
                        bundles.put(entry.coordinate(), new BundlePlan.PlannedBundle(entry.coordinate(), earlier.file(),
                                entry.startLevel(), earlier.feature()));
                    }
                    continue;
                }
                Path jar = locate(entry, feature);
                Set<Role> declared = declaredRoles(jar, entry, feature);
                if (!Role.admits(profile.roles(), declared)) {
                    refused.add(new BundlePlan.Refusal(entry.coordinate(), "Refused bundle " + entry.coordinate()
                            + " listed by feature '" + feature.name() + "' (" + feature.file().getFileName() + " line "
                            + entry.line() + "): it declares " + Role.HEADER + ": " + Role.labels(declared)
                            + " and profile " + profile.name() + " has roles " + Role.labels(profile.roles())));
                    continue;
                }
                bundles.put(entry.coordinate(), new BundlePlan.PlannedBundle(entry.coordinate(), jar,
                        entry.startLevel(), feature.name()));
            }
        }
        List<BundlePlan.PlannedBundle> ordered = new ArrayList<>(bundles.values());
        ordered.sort(Comparator.comparingInt(BundlePlan.PlannedBundle::startLevel)); // stable: keeps feature order
        return new BundlePlan(profile, chosen.stream().map(Feature::name).toList(), List.copyOf(ordered),
                List.copyOf(refused));
    }

    private static List<Feature> choose(Profile profile, Map<String, Feature> features) throws LaunchException {
        if (profile.takesAllFeatures()) {
            return features.values().stream().filter(f -> Role.admits(profile.roles(), f.roles())).toList();
        }
        List<Feature> chosen = new ArrayList<>();
        for (String name : profile.features()) {
            Feature feature = features.get(name);
            if (feature == null) {
                throw new LaunchException("Profile " + profile.file() + " names feature '" + name
                        + "', which no features file declares (known features: " + String.join(", ", features.keySet())
                        + ")");
            }
            if (!Role.admits(profile.roles(), feature.roles())) {
                throw new LaunchException("Profile " + profile.file() + " names feature '" + name + "', which belongs to "
                        + Role.labels(feature.roles()) + " (" + feature.where() + ") while the profile has roles "
                        + Role.labels(profile.roles()) + "; remove it from the profile or change its roles");
            }
            chosen.add(feature);
        }
        return chosen;
    }

    private Path locate(Feature.FeatureBundle entry, Feature feature) throws LaunchException {
        Path jar = systemRepository.resolve(entry.coordinate().repositoryPath());
        if (!Files.isRegularFile(jar)) {
            throw new LaunchException("Bundle " + entry.coordinate() + " (feature '" + feature.name() + "', "
                    + feature.file().getFileName() + " line " + entry.line() + ") is missing from system/: expected "
                    + jar + "; put the jar there or fix the coordinate");
        }
        return jar;
    }

    private static Set<Role> declaredRoles(Path jar, Feature.FeatureBundle entry, Feature feature) throws LaunchException {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest manifest = file.getManifest();
            if (manifest == null || manifest.getMainAttributes().getValue("Bundle-SymbolicName") == null) {
                throw new LaunchException("Bundle " + entry.coordinate() + " (feature '" + feature.name() + "') at "
                        + jar + " is not an OSGi bundle (no Bundle-SymbolicName); replace the jar or remove it from "
                        + feature.file().getFileName());
            }
            return Role.ofHeader(manifest.getMainAttributes().getValue(Role.HEADER));
        } catch (IOException e) {
            throw new LaunchException("Bundle " + entry.coordinate() + " at " + jar + " cannot be read as a jar ("
                    + e.getMessage() + "); replace it with a good copy");
        } catch (IllegalArgumentException e) {
            throw new LaunchException("Bundle " + entry.coordinate() + " at " + jar + " has a bad " + Role.HEADER
                    + " header: " + e.getMessage());
        }
    }
}
