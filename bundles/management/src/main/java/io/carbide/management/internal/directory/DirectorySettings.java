package io.carbide.management.internal.directory;

import io.carbide.management.internal.auth.UserRole;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the LDAP directory is and how its people and groups map onto management users and roles,
 * from the {@code carbide.ldap.*} settings (system properties or the base's
 * {@code conf/carbide.properties}). Off unless {@code carbide.ldap.url} is set.
 *
 * <p>A user is found one of two ways: {@code userDnPattern} ({@code uid={0},ou=people,dc=example,dc=org}:
 * the name, escaped as a DN value (RFC 4514), makes the DN to bind as); or {@code userSearchBase}
 * with {@code userSearchFilter} ({@code (uid={0})}, the name escaped as a filter value, RFC 4515),
 * searched anonymously or as {@code bindDn} with the password in {@code bindPasswordFile}, then
 * bound as. Groups are those under {@code groupSearchBase} that {@code groupSearchFilter} finds
 * ({@code {0}} the user's DN, {@code {1}} the name); {@code roles} maps group names (their
 * {@code cn}, or whole DNs) to roles, and a user in several gets the highest.
 *
 * @param url          {@code ldaps://host:port} or {@code ldap://host:port}
 * @param startTls     for {@code ldap://}: upgrade the connection with StartTLS before binding
 * @param trustedCertificates PEM file of the certificates (a CA's) that may sign the directory's;
 *                     empty: the JVM's trusted authorities
 * @param timeoutMillis for connecting and for every answer
 * @param sessionMinutes how long a directory user's log-in holds before the directory is asked again
 */
public record DirectorySettings(String url, boolean startTls, Optional<Path> trustedCertificates, String userDnPattern,
        String userSearchBase, String userSearchFilter, String bindDn, Optional<Path> bindPasswordFile,
        String groupSearchBase, String groupSearchFilter, Map<String, UserRole> roles, int timeoutMillis,
        int sessionMinutes) {

    static final String PREFIX = "carbide.ldap.";
    static final String DEFAULT_GROUP_FILTER = "(|(member={0})(uniqueMember={0})(memberUid={1}))";

    /** Settings that cannot be used: the message names the setting and what to do. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /**
     * The directory settings, or empty when {@code carbide.ldap.url} is not set.
     *
     * @param base the node's base, which relative file names are resolved against
     * @throws Invalid for settings that are set but unusable
     */
    public static Optional<DirectorySettings> from(Function<String, String> properties, Path base) {
        String url = value(properties, "url");
        if (url.isEmpty()) {
            return Optional.empty();
        }
        String scheme = url.toLowerCase(Locale.ROOT);
        if (!scheme.startsWith("ldap://") && !scheme.startsWith("ldaps://")) {
            throw new Invalid(PREFIX + "url is '" + url + "'; give ldaps://HOST:PORT (or ldap://HOST:PORT with "
                    + PREFIX + "startTls=true)");
        }
        boolean startTls = Boolean.parseBoolean(value(properties, "startTls"));
        if (startTls && scheme.startsWith("ldaps://")) {
            throw new Invalid(PREFIX + "startTls is for ldap:// URLs; " + url + " is TLS from the start already");
        }
        if (scheme.startsWith("ldap://") && !startTls && !Boolean.parseBoolean(value(properties, "allowPlainText"))) {
            throw new Invalid(PREFIX + "url " + url + " would send every password in clear text; use ldaps://, or set "
                    + PREFIX + "startTls=true (" + PREFIX + "allowPlainText=true allows it, for a lab only)");
        }
        String pattern = value(properties, "userDnPattern");
        String searchBase = value(properties, "userSearchBase");
        if (pattern.isEmpty() == searchBase.isEmpty()) {
            throw new Invalid("set one of " + PREFIX + "userDnPattern (uid={0},ou=people,dc=example,dc=org) or "
                    + PREFIX + "userSearchBase (with " + PREFIX + "userSearchFilter, default (uid={0}))");
        }
        if (!pattern.isEmpty() && !pattern.contains("{0}")) {
            throw new Invalid(PREFIX + "userDnPattern '" + pattern + "' has no {0} for the user name");
        }
        String searchFilter = orDefault(value(properties, "userSearchFilter"), "(uid={0})");
        String groupBase = value(properties, "groupSearchBase");
        if (groupBase.isEmpty()) {
            throw new Invalid(PREFIX + "groupSearchBase is not set; give the DN under which the groups that map to "
                    + "roles are (ou=groups,dc=example,dc=org)");
        }
        Map<String, UserRole> roles = roles(value(properties, "roles"));
        int timeout = number(properties, "timeoutMillis", 5000, 100, 120_000);
        int sessionMinutes = number(properties, "sessionMinutes", 60, 1, 24 * 60);
        if (!value(properties, "bindDn").isEmpty() && value(properties, "bindPasswordFile").isEmpty()) {
            throw new Invalid(PREFIX + "bindDn is set without " + PREFIX + "bindPasswordFile: a bind without a password "
                    + "is an anonymous one; give the file that holds the service account's password");
        }
        return Optional.of(new DirectorySettings(url, startTls, file(properties, "trustedCertificates", base), pattern,
                searchBase, searchFilter, value(properties, "bindDn"), file(properties, "bindPasswordFile", base),
                groupBase, orDefault(value(properties, "groupSearchFilter"), DEFAULT_GROUP_FILTER), roles, timeout,
                sessionMinutes));
    }

    /** {@code carbide-admins:admin, carbide-deployers:deployer}: group name (or DN) to role. */
    static Map<String, UserRole> roles(String text) {
        Map<String, UserRole> roles = new LinkedHashMap<>();
        for (String pair : text.split(";")) { // not ',': a group's DN has commas
            if (pair.isBlank()) {
                continue;
            }
            int colon = pair.lastIndexOf(':');
            if (colon <= 0) {
                throw new Invalid(PREFIX + "roles has '" + pair.strip() + "'; give GROUP:ROLE pairs separated by ';' "
                        + "(carbide-admins:admin; carbide-deployers:deployer)");
            }
            try {
                roles.put(pair.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        UserRole.parse(pair.substring(colon + 1).strip()));
            } catch (IllegalArgumentException e) {
                throw new Invalid(PREFIX + "roles: " + e.getMessage());
            }
        }
        if (roles.isEmpty()) {
            throw new Invalid(PREFIX + "roles is not set; give GROUP:ROLE pairs (carbide-admins:admin; "
                    + "carbide-deployers:deployer; carbide-viewers:viewer)");
        }
        return roles;
    }

    boolean tls() {
        return startTls || url.toLowerCase(Locale.ROOT).startsWith("ldaps://");
    }

    private static int number(Function<String, String> properties, String key, int fallback, int min, int max) {
        int number;
        try {
            number = Integer.parseInt(orDefault(value(properties, key), Integer.toString(fallback)));
        } catch (NumberFormatException e) {
            number = min - 1;
        }
        if (number < min || number > max) {
            throw new Invalid(PREFIX + key + " is '" + value(properties, key) + "'; give a whole number from " + min
                    + " to " + max);
        }
        return number;
    }

    private static Optional<Path> file(Function<String, String> properties, String key, Path base) {
        String name = value(properties, key);
        return name.isEmpty() ? Optional.empty() : Optional.of(base.resolve(name));
    }

    private static String value(Function<String, String> properties, String key) {
        String value = properties.apply(PREFIX + key);
        return value == null ? "" : value.strip();
    }

    private static String orDefault(String value, String fallback) {
        return value.isEmpty() ? fallback : value;
    }
}
