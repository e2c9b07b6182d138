package io.carbide.itests.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** The unpacked distribution the build just assembled: what a user gets from the zip. */
public final class Distribution {

    private Distribution() {
    }

    public static Path home() {
        String dir = System.getProperty("carbide.dist");
        if (dir == null) {
            throw new IllegalStateException("carbide.dist is not set; run the tests through Maven (mvn verify)");
        }
        Path home = Path.of(dir).toAbsolutePath().normalize();
        if (!Files.isExecutable(home.resolve("bin/start.sh"))) {
            throw new IllegalStateException("no assembled distribution at " + home + "; build assembly/ first");
        }
        return home;
    }

    /** The product version, as the distribution's folder name carries it: carbide-VERSION. */
    public static String version() {
        return home().getFileName().toString().substring("carbide-".length());
    }
}
