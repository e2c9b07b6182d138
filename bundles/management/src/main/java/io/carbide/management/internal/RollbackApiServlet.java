package io.carbide.management.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.Change;
import io.carbide.deployment.RevisionNotFoundException;
import io.carbide.management.internal.audit.AuditTrail;
import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code POST /api/rollback} with {@code {"revision": N}}: brings back the artifacts and
 * configurations of revision N in one committed step, replicated to every node like any change
 * (every manager's {@code deploy/} follows). 200 with the changes it recorded (none when the
 * repository already holds exactly that); 404 for a revision that never existed; 410 for one the
 * retention policy no longer keeps; 409 on a manager whose repository the fleet does not follow;
 * 503 without a majority of the managers, or while content it needs is fetched.
 */
@Component(immediate = true)
public class RollbackApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;

    private final transient FleetView fleet;
    private final transient DeployFolderUploads changes;

    @Activate
    public RollbackApiServlet(@Reference NodeIdentity node, @Reference FleetView fleet,
            @Reference DeployFolderUploads changes, BundleContext context) {
        this.fleet = fleet;
        this.changes = changes;
        publish(context, node, "/api/rollback");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long revision;
        try {
            JsonObject body = Json.readObject(request);
            JsonElement value = body.get("revision");
            java.math.BigDecimal number = value != null && value.isJsonPrimitive()
                    && value.getAsJsonPrimitive().isNumber() ? value.getAsBigDecimal() : null;
            try {
                revision = number == null ? -1 : number.longValueExact();
            } catch (ArithmeticException notAWholeLong) {
                revision = -1;
            }
            if (number == null || revision < 0) {
                throw new Json.BadRequest("give the revision to roll back to as a whole number: {\"revision\": 12}");
            }
        } catch (Json.BadRequest bad) {
            Json.error(response, 400, bad.getMessage());
            return;
        }
        String user = String.valueOf(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE));
        try {
            this.changes.requireAuthority(); // as for uploads: elsewhere no worker would ever see it
            AuditTrail.note(request, "rolledBackTo", revision);
            List<Change> changes = fleet.repository().rollback(revision, user);
            AuditTrail.note(request, "revision", fleet.repository().revision());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("rolledBackTo", revision);
            body.put("revision", fleet.repository().revision());
            body.put("changes", changes.stream().map(change -> {
                Map<String, Object> row = DeployFolderUploads.describe(change.artifact(),
                        change.artifact().deleted() ? "removed" : "stored");
                row.put("kind", change.kind());
                return row;
            }).toList());
            body.put("message", changes.isEmpty() ? "the repository already holds what revision " + revision + " held"
                    : "rolled back to revision " + revision + ": " + changes.size() + " artifact(s) changed, now at "
                            + "revision " + fleet.repository().revision() + "; GET /api/cluster shows the nodes converge");
            Json.write(response, 200, ConfigurationDigests.forRequest(request, body));
        } catch (RevisionNotFoundException e) {
            Json.error(response, e.retired() ? 410 : 404, e.getMessage());
        } catch (DeployFolderUploads.Refused refused) {
            Json.error(response, refused.status(), refused.getMessage());
        } catch (NoQuorumException e) {
            Json.error(response, 503, e.getMessage());
        } catch (io.carbide.deployment.RolloutRefusedException e) {
            Json.error(response, 409, e.getMessage());
        } catch (IOException e) {
            Json.error(response, 503, "the rollback to revision " + revision + " was not recorded: " + e.getMessage());
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Allow", "POST");
        Json.error(response, 405, "roll back with POST /api/rollback and {\"revision\": N}; GET /api/history lists them");
    }
}
