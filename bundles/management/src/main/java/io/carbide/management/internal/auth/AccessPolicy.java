package io.carbide.management.internal.auth;

import java.util.List;

/**
 * The role every management request needs, in one table, checked once for every request at the
 * management port's security boundary ({@link ManagementSecurity}) before any servlet runs. Reading
 * needs {@link UserRole#VIEWER} (the users and the audit trail need an admin); changing what the
 * fleet runs needs {@link UserRole#DEPLOYER}; everything else that changes something needs
 * {@link UserRole#ADMIN}, configurations too, even uploaded as {@code PID.cfg}. A path no rule names falls to the last rule of its kind, so a servlet
 * added later is an admin's until someone says otherwise.
 */
final class AccessPolicy {

    /** One rule: a method ({@code *} for any change, {@code GET} also for HEAD) and a path or path prefix ending in {@code /*}. */
    private record Rule(String method, String path, UserRole role) {
        boolean matches(String requestMethod, String requestPath) {
            boolean read = requestMethod.equals("GET") || requestMethod.equals("HEAD");
            boolean methodMatches = method.equals("GET") ? read : method.equals("*") ? !read : method.equals(requestMethod);
            return methodMatches && (path.endsWith("/*") ? requestPath.equals(path.substring(0, path.length() - 2))
                    || requestPath.startsWith(path.substring(0, path.length() - 1)) : requestPath.equals(path));
        }
    }

    private static final List<Rule> RULES = List.of(
            new Rule("GET", "/api/users/*", UserRole.ADMIN),
            new Rule("GET", "/api/audit/*", UserRole.ADMIN),
            new Rule("GET", "/api/backup", UserRole.ADMIN), // the users' hashes and every configuration's secrets
            new Rule("GET", "/*", UserRole.VIEWER),
            new Rule("PUT", "/api/artifacts/*", UserRole.DEPLOYER),
            new Rule("DELETE", "/api/artifacts/*", UserRole.DEPLOYER),
            new Rule("POST", "/api/rollback", UserRole.DEPLOYER),
            new Rule("POST", "/api/rollout/*", UserRole.DEPLOYER),
            new Rule("*", "/*", UserRole.ADMIN));

    private AccessPolicy() {
    }

    /**
     * The role {@code method} on {@code path} needs from {@code user}. A user changing only their
     * own password needs no more than a viewer (the users servlet refuses anything else in such a
     * request from a non-admin).
     */
    static UserRole required(String method, String path, String user) {
        if (method.equals("PUT") && path.equals("/api/users/" + user)) {
            return UserRole.VIEWER;
        }
        if (path.startsWith("/api/artifacts/") && (path.endsWith(".cfg") || path.endsWith(".config"))
                && !method.equals("GET") && !method.equals("HEAD")) {
            return UserRole.ADMIN; // a configuration is an admin's, however it is sent
        }
        for (Rule rule : RULES) {
            if (rule.matches(method, path)) {
                return rule.role();
            }
        }
        return UserRole.ADMIN;
    }

    /** What a role may do, for the console (which hides what the user may not) and {@code GET /api/login}. */
    static List<String> abilities(UserRole role) {
        return switch (role) {
            case VIEWER -> List.of("read");
            case DEPLOYER -> List.of("read", "deploy");
            case ADMIN -> List.of("read", "deploy", "configure", "manage-users");
        };
    }
}
