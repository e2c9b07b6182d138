package io.carbide.runtime;

import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The options a user passes to {@code bin/start.sh} as {@code -D} flags, checked and resolved:
 * where the product is installed ({@code carbide.home}), where this node keeps its own state
 * ({@code carbide.base}, like KARAF_BASE), its profile, port offset and name.
 */
public record NodeOptions(Path home, Path base, String profile, int portOffset, String nodeName, boolean debug,
        boolean cleanCache) {

    public static final String DEFAULT_PROFILE = "default";
    /** Every port is shifted by the offset; the highest default port (9763) must stay below 65536. */
    static final int MAX_PORT_OFFSET = 65535 - 9763;
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public static NodeOptions from(Properties system) throws LaunchException {
        Path cwd = Path.of(system.getProperty("user.dir"));
        Path home = cwd.resolve(system.getProperty("carbide.home", ".")).normalize().toAbsolutePath();
        Path base = cwd.resolve(system.getProperty("carbide.base", home.toString())).normalize().toAbsolutePath();
        String profile = first(system, DEFAULT_PROFILE, "profile", "carbide.profile");
        int offset = parseOffset(first(system, "0", "portOffset", "carbide.portOffset"));
        String name = first(system, profile + "-" + offset, "node", "carbide.node.name");
        if (!NODE_NAME.matcher(name).matches()) {
            throw new LaunchException("Node name '" + name + "' is not valid: use up to 63 letters, digits, '.', '_' "
                    + "or '-', starting with a letter or digit (-Dnode=NAME)");
        }
        boolean debug = Boolean.parseBoolean(system.getProperty("debug", "false"));
        boolean clean = Boolean.parseBoolean(system.getProperty("carbide.cleanCache", "true"));
        return new NodeOptions(home, base, profile, offset, name, debug, clean);
    }

    private static String first(Properties system, String fallback, String... keys) {
        for (String key : keys) {
            String value = system.getProperty(key);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return fallback;
    }

    private static int parseOffset(String text) throws LaunchException {
        try {
            int offset = Integer.parseInt(text);
            if (offset >= 0 && offset <= MAX_PORT_OFFSET) {
                return offset;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new LaunchException("Port offset '" + text + "' is not valid: give a whole number from 0 to "
                + MAX_PORT_OFFSET + " (-DportOffset=N shifts every port of the node)");
    }

    public Path profilesDir() {
        return home.resolve("profiles");
    }

    public Path featuresDir() {
        return home.resolve("features");
    }

    public Path systemRepository() {
        return home.resolve("system");
    }

    public Path dataDir() {
        return base.resolve("data");
    }

    public Path deployDir() {
        return base.resolve("deploy");
    }

    public Path logsDir() {
        return base.resolve("logs");
    }
}
