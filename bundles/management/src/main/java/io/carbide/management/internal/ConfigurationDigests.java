package io.carbide.management.internal;

import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.management.internal.auth.UserRole;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sha-256 of a configuration's content is shown to admins only. A {@code .cfg} written through
 * the API has a predictable layout, and its other values are shown to every viewer, so its digest
 * would let anyone test guesses of a secret value in it offline. Everything else about it (name,
 * revision, size, where it runs) stays visible.
 */
public final class ConfigurationDigests {

    static final String HIDDEN = "hidden";

    private ConfigurationDigests() {
    }

    /** {@code body} as the user of {@code request} may see it. */
    public static Object forRequest(HttpServletRequest request, Object body) {
        return request.getAttribute(ManagementSecurity.ROLE_ATTRIBUTE) == UserRole.ADMIN ? body : hidden(body);
    }

    /** A copy of {@code value} in which every configuration artifact's sha-256 reads {@value #HIDDEN}. */
    public static Object hidden(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((key, entry) -> copy.put(key, hidden(entry)));
            if (copy.containsKey("sha256") && isConfiguration(copy)) {
                copy.put("sha256", HIDDEN);
            }
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(entry -> copy.add(hidden(entry)));
            return copy;
        }
        return value;
    }

    private static boolean isConfiguration(Map<Object, Object> artifact) {
        Object type = artifact.get("type");
        Object name = artifact.get("name");
        return "configuration".equals(type) || name instanceof String n && (n.endsWith(".cfg") || n.endsWith(".config"));
    }
}
