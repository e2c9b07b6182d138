package io.carbide.runtime;

import io.carbide.node.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads {@code profiles/NAME.profile}: {@code key = value} lines and {@code #} comments. Every
 * mistake is reported with the file and line, because users edit these by hand.
 */
public final class ProfileReader {

    public static final String EXTENSION = ".profile";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final String PROPERTY_PREFIX = "property.";

    private final Path profilesDir;

    public ProfileReader(Path profilesDir) {
        this.profilesDir = profilesDir;
    }

    public Profile read(String name) throws LaunchException {
        if (!NAME.matcher(name).matches()) {
            throw new LaunchException("Profile name '" + name + "' is not valid: use letters, digits, '.', '_' or '-' "
                    + "(available: " + available() + ")");
        }
        Path file = profilesDir.resolve(name + EXTENSION);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LaunchException("Unknown profile '" + name + "': there is no " + file + "; available profiles: "
                    + available() + " (add a file " + name + EXTENSION + " to " + profilesDir + " to create it)");
        } catch (IOException e) {
            throw new LaunchException("Cannot read profile " + file + ": " + e.getMessage());
        }
        return parse(name, file, lines);
    }

    static Profile parse(String name, Path file, List<String> lines) throws LaunchException {
        String description = "";
        EnumSet<Role> roles = null;
        List<String> features = null;
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (i + 1);
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new LaunchException("Profile " + where + ": expected 'key = value' but found '" + line + "'");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            switch (key) {
                case "description" -> description = value;
                case "roles" -> roles = parseRoles(value, where);
                case "features" -> features = parseFeatures(value, where);
                default -> {
                    if (key.startsWith(PROPERTY_PREFIX) && key.length() > PROPERTY_PREFIX.length()) {
                        properties.put(key.substring(PROPERTY_PREFIX.length()), value);
                    } else {
                        throw new LaunchException("Profile " + where + ": unknown key '" + key
                                + "' (known keys: description, roles, features, property.NAME)");
                    }
                }
            }
        }
        if (roles == null) {
            throw new LaunchException("Profile " + file + " has no 'roles' line: add 'roles = worker', "
                    + "'roles = manager' or 'roles = worker, manager'");
        }
        return new Profile(name, file, description, roles, features == null ? List.of() : features, properties);
    }

    private static EnumSet<Role> parseRoles(String value, String where) throws LaunchException {
        EnumSet<Role> roles = EnumSet.noneOf(Role.class);
        for (String label : value.split(",")) {
            if (label.isBlank()) {
                continue;
            }
            try {
                roles.add(Role.parse(label));
            } catch (IllegalArgumentException e) {
                throw new LaunchException("Profile " + where + ": " + e.getMessage());
            }
        }
        if (roles.isEmpty()) {
            throw new LaunchException("Profile " + where + ": 'roles' is empty; give worker, manager or both");
        }
        return roles;
    }

    private static List<String> parseFeatures(String value, String where) throws LaunchException {
        if (value.equals("*")) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String feature : value.split(",")) {
            if (!feature.isBlank()) {
                names.add(feature.strip());
            }
        }
        if (names.isEmpty()) {
            throw new LaunchException("Profile " + where + ": 'features' is empty; write '*' for every feature "
                    + "of the profile's roles, or name them separated by commas");
        }
        return names;
    }

    /** The profiles a user can choose from, for error messages. */
    String available() {
        try (Stream<Path> files = Files.list(profilesDir)) {
            String[] names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(EXTENSION))
                    .map(n -> n.substring(0, n.length() - EXTENSION.length())).sorted().toArray(String[]::new);
            return names.length == 0 ? "none in " + profilesDir : String.join(", ", Arrays.asList(names));
        } catch (IOException e) {
            return "none (cannot list " + profilesDir + ")";
        }
    }
}
