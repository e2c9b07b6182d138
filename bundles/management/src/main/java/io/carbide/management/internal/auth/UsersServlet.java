package io.carbide.management.internal.auth;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.management.internal.Json;
import io.carbide.management.internal.audit.AuditTrail;
import io.carbide.management.internal.ManagementServlet;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/users} lists the management users and their roles; {@code PUT /api/users/NAME}
 * with {@code {"password": "...", "role": "deployer"}} creates one (a viewer unless a role is
 * given) or changes its password (its other sessions end) or role; {@code DELETE /api/users/NAME}
 * removes one, never the last admin. Only an admin gets here (the access policy), except a user
 * changing their own password, who may change nothing else.
 */
@Component(immediate = true)
public class UsersServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    private final transient Users users;
    private final transient Sessions sessions;
    private final transient Authenticator authenticator;

    @Activate
    public UsersServlet(@Reference NodeIdentity node, @Reference Users users, @Reference Sessions sessions,
            @Reference Authenticator authenticator, BundleContext context) {
        this.users = users;
        this.sessions = sessions;
        this.authenticator = authenticator;
        publish(context, node, "/api/users", "/api/users/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // "users" stays the list of names it always was; "roles" is new beside it
        Map<String, String> roles = new java.util.TreeMap<>();
        users.roles().forEach((name, role) -> roles.put(name, role.label()));
        Json.write(response, 200, Map.of("users", List.copyOf(roles.keySet()), "roles", roles));
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = pathName(request);
        try {
            JsonObject body = Json.readObject(request);
            String password = string(body, "password");
            String roleLabel = string(body, "role");
            if (password == null && roleLabel == null) {
                throw new Json.BadRequest("the body needs \"password\" or \"role\" (viewer, deployer or admin) as a "
                        + "string: {\"password\": \"...\", \"role\": \"deployer\"}");
            }
            UserRole role = roleLabel == null ? null : UserRole.parse(roleLabel);
            if (role != null && request.getAttribute(ManagementSecurity.ROLE_ATTRIBUTE) != UserRole.ADMIN) {
                Json.error(response, 403, "changing a role needs the admin role; you may change your own password");
                return;
            }
            boolean existed = users.exists(name);
            if (!existed && request.getAttribute(ManagementSecurity.ROLE_ATTRIBUTE) != UserRole.ADMIN) {
                Json.error(response, 403, "creating a user needs the admin role");
                return;
            }
            if (role != null) {
                AuditTrail.note(request, "role", role.label());
            }
            AuditTrail.note(request, "password", password == null ? "kept" : "changed"); // never the password itself
            // whoever knew the old password is logged out by the change; the session that changed it goes on
            boolean ownPassword = password != null && name.equals(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE));
            sessions.spare(ownPassword ? Authenticator.sessionToken(request) : null,
                    () -> users.set(name, password, role, actor(request)));
            Json.write(response, existed ? 200 : 201, Map.of("user", name, "created", !existed,
                    "role", users.role(name).map(UserRole::label).orElse("")));
        } catch (Json.BadRequest | IllegalArgumentException e) {
            Json.error(response, 400, e.getMessage());
        } catch (IllegalStateException e) {
            Json.error(response, 409, e.getMessage());
        } catch (Users.Forbidden e) {
            Json.error(response, 403, e.getMessage());
        } catch (IOException e) { // not committed, or not known to be (a commit that timed out)
            Json.error(response, 503, e.getMessage());
        }
    }

    /**
     * Who asks: a local user's role is judged on the users the change is made to; a directory
     * user's is the one their groups gave them.
     */
    private Users.Actor actor(HttpServletRequest request) {
        String user = String.valueOf(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE));
        return new Users.Actor(user, authenticator.directoryRole(user).orElse(null));
    }

    /** A string field, or null when absent. */
    private static String string(JsonObject body, String key) throws Json.BadRequest {
        JsonElement value = body.get(key);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new Json.BadRequest("\"" + key + "\" must be a string");
        }
        return value.getAsString();
    }

    @Override
    protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = pathName(request);
        try {
            if (!users.remove(name, actor(request))) {
                Json.error(response, 404, "no management user named '" + name + "'");
                return;
            }
            Json.write(response, 200, Map.of("user", name, "removed", true)); // its sessions ended with the change
        } catch (IllegalStateException e) {
            Json.error(response, 409, e.getMessage());
        } catch (Users.Forbidden e) {
            Json.error(response, 403, e.getMessage());
        } catch (IOException e) {
            Json.error(response, 503, e.getMessage());
        }
    }
}
