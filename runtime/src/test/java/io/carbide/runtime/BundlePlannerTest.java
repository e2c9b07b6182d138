package io.carbide.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundlePlannerTest {

    @TempDir
    Path root;
    Path system;
    Path features;
    Path profiles;

    @BeforeEach
    void layout() throws Exception {
        system = Files.createDirectories(root.resolve("system"));
        features = Files.createDirectories(root.resolve("features"));
        profiles = Files.createDirectories(root.resolve("profiles"));
        bundle("org.example", "core", "1.0", null);
        bundle("org.example", "console", "1.0", "manager");
        Files.writeString(profiles.resolve("worker.profile"), "roles = worker\n");
        Files.writeString(profiles.resolve("manager.profile"), "roles = manager\n");
    }

    private void bundle(String group, String artifact, String version, String role) throws Exception {
        Path jar = system.resolve(new MavenCoordinate(group, artifact, version).repositoryPath());
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", group + "." + artifact);
        if (role != null) {
            manifest.getMainAttributes().putValue("Carbide-Role", role);
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // a manifest is all the planner reads
        }
    }

    private BundlePlan plan(String profile) throws LaunchException {
        Map<String, Feature> all = new FeatureReader(features).readAll();
        return new BundlePlanner(system).plan(new ProfileReader(profiles).read(profile), all);
    }

    @Test
    void workerSetIsDerivedByRole() throws Exception {
        Files.writeString(features.resolve("f.xml"), """
                <features>
                  <feature name="base" roles="worker manager">
                    <bundle start-level="2">mvn:org.example/core/1.0</bundle>
                  </feature>
                  <feature name="ui" roles="manager">
                    <bundle start-level="5">mvn:org.example/console/1.0</bundle>
                  </feature>
                </features>
                """);
        assertEquals(List.of("base"), plan("worker").features());
        assertEquals(1, plan("worker").bundles().size());
        assertEquals(2, plan("manager").bundles().size());
    }

    @Test
    void managerBundleListedByMistakeInAWorkerFeatureIsRefused() throws Exception {
        Files.writeString(features.resolve("f.xml"), """
                <features>
                  <feature name="base" roles="worker manager">
                    <bundle>mvn:org.example/core/1.0</bundle>
                    <bundle>mvn:org.example/console/1.0</bundle>
                  </feature>
                </features>
                """);
        BundlePlan worker = plan("worker");
        assertEquals(1, worker.bundles().size());
        assertEquals(1, worker.refused().size());
        String reason = worker.refused().get(0).reason();
        assertTrue(reason.contains("mvn:org.example/console/1.0") && reason.contains("f.xml line 4")
                && reason.contains("profile worker has roles worker"), reason);
        assertEquals(2, plan("manager").bundles().size());
    }

    @Test
    void missingBundleNamesFeatureFileAndExpectedPath() throws Exception {
        Files.writeString(features.resolve("f.xml"), """
                <features>
                  <feature name="base" roles="worker">
                    <bundle>mvn:org.example/ghost/2.0</bundle>
                  </feature>
                </features>
                """);
        LaunchException e = assertThrows(LaunchException.class, () -> plan("worker"));
        assertTrue(e.getMessage().contains("mvn:org.example/ghost/2.0 (feature 'base', f.xml line 3) is missing "
                + "from system/"), e.getMessage());
    }

    @Test
    void malformedFeatureFilesNameTheLine() throws Exception {
        Files.writeString(features.resolve("f.xml"), "<features>\n  <feature name=\"x\" roles=\"worker\">\n</features>\n");
        LaunchException xml = assertThrows(LaunchException.class, () -> plan("worker"));
        assertTrue(xml.getMessage().contains("f.xml line 3 is not well-formed XML"), xml.getMessage());

        Files.writeString(features.resolve("f.xml"), """
                <features>
                  <feature name="x" roles="worker">
                    <bundle>org.example:core:1.0</bundle>
                  </feature>
                </features>
                """);
        LaunchException coordinate = assertThrows(LaunchException.class, () -> plan("worker"));
        assertTrue(coordinate.getMessage().contains("f.xml line 3: 'org.example:core:1.0' is not a Maven coordinate"),
                coordinate.getMessage());

        Files.writeString(features.resolve("f.xml"), "<features><feature name=\"x\" roles=\"cook\"/></features>");
        LaunchException role = assertThrows(LaunchException.class, () -> plan("worker"));
        assertTrue(role.getMessage().contains("unknown role 'cook'"), role.getMessage());
    }

    @Test
    void featureNamedTwiceIsAnError() throws Exception {
        Files.writeString(features.resolve("a.xml"), "<features><feature name=\"x\" roles=\"worker\"/></features>");
        Files.writeString(features.resolve("b.xml"), "<features><feature name=\"x\" roles=\"worker\"/></features>");
        LaunchException e = assertThrows(LaunchException.class, () -> plan("worker"));
        assertTrue(e.getMessage().contains("Feature 'x' is declared twice"), e.getMessage());
    }
}
