package io.carbide.management.internal;

import io.carbide.deployment.Change;
import io.carbide.deployment.RolloutPolicy;
import io.carbide.management.internal.audit.AuditTrail;
import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.node.DiskRoom;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Artifacts on the management port:
 * <ul>
 * <li>{@code GET /api/artifacts}: every artifact with its state on each node, and recent refusals;</li>
 * <li>{@code GET /api/artifacts/NAME}: one artifact, its state per node and its history;</li>
 * <li>{@code PUT /api/artifacts/NAME} with the file as the body: upload (through {@code deploy/});</li>
 * <li>{@code DELETE /api/artifacts/NAME}: undeploy everywhere;</li>
 * <li>{@code GET /api/history[?name=NAME&limit=N]}: revisions, newest first, with the oldest one a
 * rollback can still reach ({@code retainedFrom}).</li>
 * </ul>
 */
@Component(immediate = true)
public class ArtifactsApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final int DEFAULT_HISTORY = 200;

    private final transient FleetView fleet;
    private final transient DeployFolderUploads uploads;

    @Activate
    public ArtifactsApiServlet(@Reference NodeIdentity node, @Reference FleetView fleet,
            @Reference DeployFolderUploads uploads, BundleContext context) {
        this.fleet = fleet;
        this.uploads = uploads;
        publish(context, node, "/api/artifacts/*", "/api/history");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if ("/api/history".equals(request.getServletPath())) {
            history(request, response);
            return;
        }
        String name = pathName(request);
        if (name.isEmpty()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("revision", fleet.repository().revision());
            body.put("artifacts", fleet.artifacts());
            body.put("refused", fleet.refused());
            body.put("maxUploadBytes", uploads.maxUploadBytes());
            Json.write(response, 200, ConfigurationDigests.forRequest(request, body));
            return;
        }
        Optional<Map<String, Object>> artifact = fleet.artifact(name);
        if (artifact.isEmpty()) {
            Json.error(response, 404, "no artifact named " + name + " is deployed; GET /api/artifacts lists them");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>(artifact.get());
        body.put("history", describe(newestFirst(fleet.repository().history(Optional.of(name)), DEFAULT_HISTORY)));
        Json.write(response, 200, ConfigurationDigests.forRequest(request, body));
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            DeployFolderUploads.Outcome outcome = uploads.upload(pathName(request), request.getInputStream(),
                    request.getContentLengthLong(), user(request), rolloutPolicy(request));
            noteChange(request, outcome);
            Json.write(response, outcome.status(), outcome.body());
        } catch (DeployFolderUploads.Refused refused) {
            drainUnread(request);
            Json.error(response, refused.status(), refused.getMessage());
        } catch (DiskRoom.NoRoomException full) { // refused before anything was proposed
            drainUnread(request);
            Json.error(response, 507, pathName(request) + " was not recorded: " + full.getMessage()
                    + ", then upload it again");
        } catch (IOException e) { // e.g. the managers did not commit in time: say so, instead of a bare 500
            drainUnread(request);
            Json.error(response, 503, pathName(request) + " may not have been recorded: " + e.getMessage()
                    + "; GET /api/artifacts/" + pathName(request) + " shows whether it was");
        }
    }

    /** What the audit trail keeps of a change: its revision and content, and a rollout's waves. */
    static void noteChange(HttpServletRequest request, DeployFolderUploads.Outcome outcome) {
        for (String key : List.of("change", "revision", "sha256", "size", "rollout")) {
            Object value = outcome.body().get(key);
            if (value != null) {
                AuditTrail.note(request, key, value instanceof Map<?, ?> rollout ? rollout.get("waves") : value);
            }
        }
    }

    /**
     * The rollout policy an upload names ({@code ?canary=1&waves=50%,100%&settle=10&maxErrorRate=0.05});
     * none when it names neither a canary nor waves.
     */
    static Optional<RolloutPolicy> rolloutPolicy(HttpServletRequest request) throws DeployFolderUploads.Refused {
        try {
            // from the query string alone: asking the container for parameters would read a form-encoded
            // body, and the body of an upload is the artifact
            Map<String, String> query = new HashMap<>();
            String raw = request.getQueryString();
            for (String pair : raw == null ? new String[0] : raw.split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    query.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
            String canary = query.get("canary");
            String waves = query.get("waves");
            if ((canary == null || canary.isBlank()) && (waves == null || waves.isBlank())) {
                return Optional.empty();
            }
            return Optional.of(RolloutPolicy.parse(canary, waves, query.get("settle"), query.get("maxErrorRate")));
        } catch (IllegalArgumentException e) {
            throw new DeployFolderUploads.Refused(400, "the rollout policy: " + e.getMessage()
                    + " (e.g. ?canary=1&waves=50%25,100%25&settle=10)");
        }
    }

    /**
     * Reads what is left of a refused upload (up to 64 MiB) before answering: a connection closed
     * with unread bytes is reset, and the client would lose the answer that says what went wrong.
     */
    private static void drainUnread(HttpServletRequest request) {
        byte[] buffer = new byte[64 * 1024];
        long left = 64L * 1024 * 1024;
        try {
            InputStream in = request.getInputStream();
            for (int n; left > 0 && (n = in.read(buffer)) > 0;) {
                left -= n;
            }
        } catch (IOException | IllegalStateException gone) {
            // the client stopped sending: nothing left to read
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // not an alias of PUT: a form on another site can POST, it cannot PUT
        response.setHeader("Allow", "GET, PUT, DELETE");
        Json.error(response, 405, "upload with PUT /api/artifacts/NAME");
    }

    @Override
    protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            DeployFolderUploads.Outcome outcome = uploads.undeploy(pathName(request), user(request));
            noteChange(request, outcome);
            Json.write(response, outcome.status(), outcome.body());
        } catch (DeployFolderUploads.Refused refused) {
            Json.error(response, refused.status(), refused.getMessage());
        }
    }

    private void history(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int limit = DEFAULT_HISTORY;
        String limitParameter = request.getParameter("limit");
        if (limitParameter != null) {
            try {
                limit = Integer.parseInt(limitParameter);
                if (limit < 1) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                Json.error(response, 400, "limit must be a positive whole number, not '" + limitParameter + "'");
                return;
            }
        }
        Optional<String> name = Optional.ofNullable(request.getParameter("name")).filter(n -> !n.isBlank());
        List<Change> changes = fleet.repository().history(name);
        if (name.isPresent() && changes.isEmpty()) {
            Json.error(response, 404, "the repository has never held an artifact named " + name.get());
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("revision", fleet.repository().revision());
        body.put("retainedFrom", fleet.repository().retainedFrom());
        body.put("changes", describe(newestFirst(changes, limit)));
        Json.write(response, 200, ConfigurationDigests.forRequest(request, body));
    }

    private static List<Change> newestFirst(List<Change> changes, int limit) {
        List<Change> newest = new ArrayList<>(changes);
        Collections.reverse(newest);
        return newest.subList(0, Math.min(limit, newest.size()));
    }

    /** A history row: the artifact's record, the kind of change, who made it and when. */
    private static List<Map<String, Object>> describe(List<Change> changes) {
        return changes.stream().map(c -> {
            Map<String, Object> row = DeployFolderUploads.describe(c.artifact(), c.artifact().deleted() ? "removed"
                    : "stored");
            row.put("kind", c.kind());
            if (c.rollbackTo() > 0) {
                row.put("rollbackTo", c.rollbackTo());
            }
            row.put("by", c.by());
            row.put("at", c.at() == 0 ? null : c.at());
            return row;
        }).toList();
    }

    private static String user(HttpServletRequest request) {
        return String.valueOf(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE));
    }
}
