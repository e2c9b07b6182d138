package io.carbide.deployment;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one rule for artifact names, used by the API, the deploy folder and the repository alike:
 * names end up in paths and URLs, so they stay plain, and a web application may not take a path
 * the node itself serves on the client port.
 */
public final class ArtifactNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    /** Paths of the client port that belong to the node (a web application NAME.zip is served at /NAME/). */
    public static final Set<String> RESERVED_PATHS = Set.of("health", "metrics", "ready", "live", "carbide");

    private ArtifactNames() {
    }

    /** Why {@code name} cannot name an artifact, as one sentence that names it; null when it can. */
    public static String refusal(String name) {
        if (name == null || name.isEmpty()) {
            return "an artifact needs a name";
        }
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            return shown(name) + ": artifact names may use letters, digits, '.', '_' and '-' only (up to 200, "
                    + "starting with a letter or digit); rename the file";
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".zip") && RESERVED_PATHS.contains(lower.substring(0, lower.length() - 4))) {
            return name + ": /" + name.substring(0, name.length() - 4) + "/ belongs to the node itself on the client "
                    + "port; give the web application another name";
        }
        return null;
    }

    /** A name as messages show it: cut short when long, so a huge name is not echoed whole. */
    public static String shown(String name) {
        String plain = name.replaceAll("\\p{Cntrl}", "?");
        return plain.length() > 80 ? plain.substring(0, 80) + "... (" + plain.length() + " characters)" : plain;
    }
}
