package io.carbide.management.internal.auth;

import com.google.gson.JsonElement;
import io.carbide.management.internal.Json;
import io.carbide.management.internal.ManagementServlet;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.TreeSet;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/users} lists the management users; {@code PUT /api/users/NAME} with
 * {@code {"password": "..."}} creates one or changes its password (its other sessions end);
 * {@code DELETE /api/users/NAME} removes one, never the last.
 */
@Component(immediate = true)
public class UsersServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    private final transient Users users;
    private final transient Sessions sessions;

    @Activate
    public UsersServlet(@Reference NodeIdentity node, @Reference Users users, @Reference Sessions sessions,
            BundleContext context) {
        this.users = users;
        this.sessions = sessions;
        publish(context, node, "/api/users", "/api/users/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Json.write(response, 200, Map.of("users", new TreeSet<>(users.names())));
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = pathName(request);
        try {
            JsonElement password = Json.readObject(request).get("password");
            if (password == null || !password.isJsonPrimitive() || !password.getAsJsonPrimitive().isString()) {
                throw new Json.BadRequest("the body needs \"password\" as a string: {\"password\": \"...\"}");
            }
            boolean existed = users.exists(name);
            users.setPassword(name, password.getAsString());
            // whoever knew the old password is logged out everywhere; the session that changed it goes on
            sessions.closeAll(name);
            if (name.equals(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE))
                    && Authenticator.sessionToken(request) != null) {
                response.addHeader("Set-Cookie", LoginServlet.cookie(request, sessions.open(name), -1));
            }
            Json.write(response, existed ? 200 : 201, Map.of("user", name, "created", !existed));
        } catch (Json.BadRequest | IllegalArgumentException e) {
            Json.error(response, 400, e.getMessage());
        }
    }

    @Override
    protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = pathName(request);
        try {
            if (!users.remove(name)) {
                Json.error(response, 404, "no management user named '" + name + "'");
                return;
            }
            sessions.closeAll(name);
            Json.write(response, 200, Map.of("user", name, "removed", true));
        } catch (IllegalStateException e) {
            Json.error(response, 409, e.getMessage());
        }
    }
}
