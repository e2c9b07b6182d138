package io.carbide.deployment;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArtifactNamesTest {

    @Test
    void plainNamesPassAndTheNodesOwnPathsAreNotForWebApplications() {
        assertNull(ArtifactNames.refusal("hello-site.zip"));
        assertNull(ArtifactNames.refusal("health.jar"), "only a web application takes a path");
        assertTrue(ArtifactNames.refusal("health.zip").contains("/health/ belongs to the node"));
        assertTrue(ArtifactNames.refusal("Metrics.zip") != null);
        assertTrue(ArtifactNames.refusal("a+b.zip").contains("letters, digits"), "the API and the repository agree");
        assertTrue(ArtifactNames.refusal("../x.jar") != null);
    }

    @Test
    void aHugeNameIsNotEchoedWhole() {
        String refusal = ArtifactNames.refusal("x".repeat(5000) + ".zip");
        assertTrue(refusal.length() < 300, refusal.length() + " characters");
        assertTrue(refusal.contains("(5004 characters)"), refusal);
    }
}
