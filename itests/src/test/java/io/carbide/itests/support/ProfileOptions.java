package io.carbide.itests.support;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;

import io.carbide.runtime.BundlePlan;
import io.carbide.runtime.BundlePlanner;
import io.carbide.runtime.FeatureReader;
import io.carbide.runtime.FrameworkProperties;
import io.carbide.runtime.LaunchException;
import io.carbide.runtime.NodeOptions;
import io.carbide.runtime.Profile;
import io.carbide.runtime.ProfileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Constants;

/**
 * Pax Exam options for a profile, computed by the launcher's own code from the distribution's
 * profiles/, features/ and system/: the framework under test gets exactly the bundles and
 * properties that {@code bin/start.sh -Dprofile=NAME} would give a node.
 */
public final class ProfileOptions {

    /** Framework property listing the planned bundles' locations, for the tests inside. */
    public static final String PLANNED_BUNDLES = "carbide.itest.plannedBundles";

    private ProfileOptions() {
    }

    public static Option[] of(String profileName) {
        try {
            Path home = Distribution.home();
            Profile profile = new ProfileReader(home.resolve("profiles")).read(profileName);
            BundlePlan plan = new BundlePlanner(home.resolve("system"))
                    .plan(profile, new FeatureReader(home.resolve("features")).readAll());
            // under the module's build folder (surefire names the module in basedir): mvn clean removes
            // it, where a node base in the system's temporary folder would outlive every run
            Path nodes = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "paxexam-nodes"));
            Path base = Files.createTempDirectory(nodes.toAbsolutePath(), profileName + "-");
            NodeOptions node = new NodeOptions(home, base, profileName, PortOffsets.free(), "paxexam-" + profileName,
                    false, true);
            Map<String, String> properties = FrameworkProperties.build(node, profile, new Properties());
            // Pax Exam owns the framework's storage and system packages
            properties.remove(Constants.FRAMEWORK_STORAGE);
            properties.remove(Constants.FRAMEWORK_STORAGE_CLEAN);
            properties.remove(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA);

            List<Option> options = new ArrayList<>();
            options.add(junitBundles());
            options.add(systemPackages(FrameworkProperties.slf4jPackages().split(",")));
            properties.forEach((key, value) -> options.add(frameworkProperty(key).value(value)));
            List<String> locations = new ArrayList<>();
            for (BundlePlan.PlannedBundle planned : plan.bundles()) {
                String location = "reference:" + planned.file().toUri();
                locations.add(location);
                options.add(bundle(location).startLevel(planned.startLevel()).start());
            }
            options.add(frameworkProperty(PLANNED_BUNDLES).value(String.join(",", locations)));
            options.add(frameworkStartLevel(Math.max(plan.highestStartLevel(), 6)));
            return options.toArray(Option[]::new);
        } catch (LaunchException | IOException e) {
            throw new IllegalStateException("cannot compute the bundle set of profile " + profileName + ": "
                    + e.getMessage(), e);
        }
    }
}
