package io.carbide.runtime;

import java.nio.file.Path;

/**
 * A bundle as features name it, {@code mvn:group/artifact/version}, and where that jar sits in a
 * Maven-layout repository such as the distribution's {@code system/} folder.
 */
public record MavenCoordinate(String groupId, String artifactId, String version) {

    private static final String SCHEME = "mvn:";

    /**
     * @throws IllegalArgumentException saying what a coordinate looks like, when {@code uri} is not one
     */
    public static MavenCoordinate parse(String uri) {
        String text = uri.trim();
        String[] parts = text.startsWith(SCHEME) ? text.substring(SCHEME.length()).split("/", -1) : new String[0];
        if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
            throw new IllegalArgumentException("'" + text + "' is not a Maven coordinate of the form mvn:group/artifact/version");
        }
        return new MavenCoordinate(parts[0], parts[1], parts[2]);
    }

    /** The jar's path relative to the repository root. */
    public Path repositoryPath() {
        return Path.of(groupId.replace('.', '/'), artifactId, version, artifactId + "-" + version + ".jar");
    }

    @Override
    public String toString() {
        return SCHEME + groupId + "/" + artifactId + "/" + version;
    }
}
