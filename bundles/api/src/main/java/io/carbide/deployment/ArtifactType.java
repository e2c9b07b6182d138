package io.carbide.deployment;

import java.util.Locale;
import java.util.Optional;

/** What an artifact is, told by its file name's extension. */
public enum ArtifactType {
    /** {@code .jar}: an OSGi bundle, installed and started. */
    BUNDLE,
    /** {@code .cfg} or {@code .config}: a ConfigAdmin configuration, named like Felix File Install names them. */
    CONFIGURATION,
    /** {@code .zip}: a static web application served under {@code /<name>/} on the client port. */
    WEBAPP;

    public static Optional<ArtifactType> of(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".jar")) {
            return Optional.of(BUNDLE);
        }
        if (name.endsWith(".cfg") || name.endsWith(".config")) {
            return Optional.of(CONFIGURATION);
        }
        if (name.endsWith(".zip")) {
            return Optional.of(WEBAPP);
        }
        return Optional.empty();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
