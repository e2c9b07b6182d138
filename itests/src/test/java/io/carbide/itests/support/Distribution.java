package io.carbide.itests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

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

    /**
     * A copy of the installation at {@code target} (made if missing), as a user unpacks it: what
     * earlier nodes of the shared installation recorded in {@code lib/cds/} is left out.
     */
    public static Path copyTo(Path target) throws IOException {
        Path home = home();
        try (Stream<Path> walk = Files.walk(home)) {
            for (Path source : (Iterable<Path>) walk::iterator) {
                Path relative = home.relativize(source);
                if (relative.startsWith(Path.of("lib", "cds"))) {
                    continue;
                }
                Path copy = target.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(source, copy, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return target;
    }

    /** The product version, as the distribution's folder name carries it: carbide-VERSION. */
    public static String version() {
        return home().getFileName().toString().substring("carbide-".length());
    }
}
