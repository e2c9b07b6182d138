package io.carbide.management.internal;

import com.google.gson.JsonObject;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.NoQuorumException;
import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The managers' consensus on the management port:
 * <ul>
 * <li>{@code GET /api/managers}: the voting members, each one's role, the leader, term, commit
 *     index, and whether a majority is reachable;</li>
 * <li>{@code POST /api/managers} with {@code {"add": "mgr-4"}}: a new voting manager (start it
 *     with the same {@code carbide.managers} list plus itself);</li>
 * <li>{@code DELETE /api/managers/NAME}: a manager leaves the vote, e.g. one lost for good, or one
 *     that lost its data and must be added back anew.</li>
 * </ul>
 * Changes go through the leader, one at a time, and count once a majority committed them.
 */
@Component(immediate = true)
public class ManagersApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ManagersApiServlet.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final transient FleetView fleet;
    private final transient ManagerConsensus consensus;

    @Activate
    public ManagersApiServlet(@Reference NodeIdentity node, @Reference FleetView fleet,
            @Reference ManagerConsensus consensus, BundleContext context) {
        this.fleet = fleet;
        this.consensus = consensus;
        publish(context, node, "/api/managers/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!pathName(request).isEmpty()) {
            Json.error(response, 404, "no such resource: /api/managers/" + pathName(request) + " (try GET /api/managers)");
            return;
        }
        Json.write(response, 200, fleet.managers());
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name;
        try {
            JsonObject body = Json.readObject(request);
            if (!body.has("add") || !body.get("add").isJsonPrimitive()) {
                throw new Json.BadRequest("say which manager to add: {\"add\": \"mgr-4\"}");
            }
            name = body.get("add").getAsString();
        } catch (Json.BadRequest bad) {
            Json.error(response, 400, bad.getMessage());
            return;
        }
        if (!NAME.matcher(name).matches()) {
            Json.error(response, 400, "'" + truncate(name) + "' is not a node name (letters, digits, '.', '_', '-')");
            return;
        }
        if (consensus.state().members().contains(name)) {
            Json.error(response, 409, name + " already votes among the managers " + consensus.state().members());
            return;
        }
        change(request, response, name, true);
    }

    @Override
    protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = pathName(request);
        if (!consensus.state().members().contains(name)) {
            Json.error(response, 404, "'" + truncate(name) + "' is not one of the voting managers "
                    + consensus.state().members() + "; GET /api/managers lists them");
            return;
        }
        if (consensus.state().members().size() == 1) {
            Json.error(response, 409, name + " is the last voting manager; the managers would have no one to vote");
            return;
        }
        change(request, response, name, false);
    }

    private void change(HttpServletRequest request, HttpServletResponse response, String name, boolean add)
            throws IOException {
        try {
            (add ? consensus.addManager(name, TIMEOUT) : consensus.removeManager(name, TIMEOUT)).toCompletableFuture()
                    .get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            Json.error(response, cause instanceof NoQuorumException ? 503 : cause instanceof IllegalArgumentException ? 400
                    : 500, String.valueOf(cause.getMessage()));
            return;
        } catch (TimeoutException e) {
            Json.error(response, 503, "the managers did not commit the change within " + TIMEOUT.toSeconds() + " s");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Json.error(response, 503, "interrupted");
            return;
        }
        LOG.warn("{} {} {} the voting managers", request.getAttribute(ManagementSecurity.USER_ATTRIBUTE), add
                ? "added " + name + " to" : "removed " + name + " from", consensus.state().members());
        Map<String, Object> body = new LinkedHashMap<>(fleet.managers());
        body.put("message", add ? name + " now votes among the managers: start it (with the same carbide.managers plus "
                + "itself) and it catches up from the others" : name + " no longer votes among the managers");
        Json.write(response, 200, body);
    }

    private static String truncate(String name) {
        return name.length() > 100 ? name.substring(0, 100) + "..." : name;
    }
}
