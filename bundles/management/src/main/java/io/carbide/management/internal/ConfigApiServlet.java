package io.carbide.management.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import io.carbide.management.internal.audit.AuditTrail;
import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Configuration on the management port. A configuration is an artifact like any other
 * ({@code PID.cfg}, or {@code FACTORY-NAME.cfg} for a factory configuration, as Felix File
 * Install names them), so a change is stored in the repository and replicated to every worker.
 * <ul>
 * <li>{@code GET /api/config}: every configuration PID with its artifact and revision;</li>
 * <li>{@code GET /api/config/PID}: its properties;</li>
 * <li>{@code PUT /api/config/PID} with {@code {"properties": {"key": "value"}}}: replaces them
 * (written as {@code PID.cfg} through {@code deploy/});</li>
 * <li>{@code DELETE /api/config/PID}: removes the configuration everywhere.</li>
 * </ul>
 * A value whose key names a secret (it contains password, secret, token, credential or key) is
 * never shown: it reads as {@value #MASK}, and a change that sends {@value #MASK} back for it keeps
 * the stored value. Whoever needs to read it reads the file on the manager.
 */
@Component(immediate = true)
public class ConfigApiServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    private static final Pattern PID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,150}");
    static final String MASK = "********";
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|passwd|pwd|passphrase|secret|token|credential|key).*");

    private final transient FleetView fleet;
    private final transient DeployFolderUploads uploads;

    @Activate
    public ConfigApiServlet(@Reference NodeIdentity node, @Reference FleetView fleet,
            @Reference DeployFolderUploads uploads, BundleContext context) {
        this.fleet = fleet;
        this.uploads = uploads;
        publish(context, node, "/api/config/*");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    private List<Artifact> configurations() {
        return fleet.repository().artifacts().stream().filter(a -> a.type() == ArtifactType.CONFIGURATION).toList();
    }

    private Optional<Artifact> configuration(String pid) {
        return configurations().stream().filter(a -> pidOf(a).equals(pid)).findFirst();
    }

    private static String pidOf(Artifact artifact) {
        return artifact.name().substring(0, artifact.name().lastIndexOf('.'));
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String pid = pathName(request);
        if (pid.isEmpty()) {
            List<Map<String, Object>> list = configurations().stream().map(a -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("pid", pidOf(a));
                entry.put("artifact", a.name());
                entry.put("revision", a.revision());
                entry.put("editable", a.name().endsWith(".cfg"));
                return entry;
            }).toList();
            Json.write(response, 200, Map.of("configurations", list));
            return;
        }
        Optional<Artifact> artifact = configuration(pid);
        if (artifact.isEmpty()) {
            Json.error(response, 404, "no configuration with PID " + pid + "; PUT /api/config/" + pid
                    + " with {\"properties\": {...}} creates it");
            return;
        }
        Optional<Path> content = fleet.repository().content(artifact.get().sha256());
        if (content.isEmpty()) {
            Json.error(response, 500, "the repository lost the content of " + artifact.get().name());
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pid", pid);
        body.put("artifact", artifact.get().name());
        body.put("revision", artifact.get().revision());
        body.put("editable", artifact.get().name().endsWith(".cfg"));
        body.put("properties", masked(CfgFile.read(artifact.get().name(), content.get())));
        Json.write(response, 200, body);
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String pid = pathName(request);
        try {
            if (!PID.matcher(pid).matches()) {
                throw new Json.BadRequest("'" + pid + "' is not a configuration PID: letters, digits, '.', '_' and "
                        + "'-' (FACTORY-NAME for a factory configuration)");
            }
            Optional<Artifact> existing = configuration(pid);
            if (existing.isPresent() && existing.get().name().endsWith(".config")) {
                Json.error(response, 409, pid + " is defined by " + existing.get().name()
                        + " (typed format), which the API does not rewrite; edit that file in the manager's deploy/");
                return;
            }
            Map<String, Object> stored = stored(existing);
            Map<String, String> properties = keepMasked(properties(Json.readObject(request)), stored);
            AuditTrail.note(request, "keys", changedKeys(properties, stored)); // names only: values may be secrets
            byte[] cfg = CfgFile.format(pid, properties).getBytes(StandardCharsets.ISO_8859_1);
            DeployFolderUploads.Outcome outcome = uploads.upload(pid + ".cfg", new ByteArrayInputStream(cfg),
                    cfg.length, String.valueOf(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE)));
            ArtifactsApiServlet.noteChange(request, outcome);
            Map<String, Object> body = new LinkedHashMap<>(outcome.body());
            body.put("pid", pid);
            body.put("properties", masked(properties));
            Json.write(response, outcome.status(), body);
        } catch (Json.BadRequest e) {
            Json.error(response, 400, e.getMessage());
        } catch (DeployFolderUploads.Refused refused) {
            Json.error(response, refused.status(), refused.getMessage());
        } catch (IOException e) { // e.g. the managers did not commit in time
            Json.error(response, 503, pid + " may not have been changed: " + e.getMessage()
                    + "; GET /api/config/" + pid + " shows whether it was");
        }
    }

    @Override
    protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String pid = pathName(request);
        Optional<Artifact> existing = configuration(pid);
        if (existing.isEmpty()) {
            Json.error(response, 404, "no configuration with PID " + pid + "; GET /api/config lists them");
            return;
        }
        try {
            DeployFolderUploads.Outcome outcome = uploads.undeploy(existing.get().name(),
                    String.valueOf(request.getAttribute(ManagementSecurity.USER_ATTRIBUTE)));
            Json.write(response, outcome.status(), outcome.body());
        } catch (DeployFolderUploads.Refused refused) {
            Json.error(response, refused.status(), refused.getMessage());
        }
    }

    /** The keys whose value this change sets anew, adds or removes. */
    /** The properties the configuration holds now; none for a new one. */
    private Map<String, Object> stored(Optional<Artifact> existing) throws IOException {
        Optional<Path> content = existing.flatMap(a -> fleet.repository().content(a.sha256()));
        return content.isPresent() ? CfgFile.read(existing.get().name(), content.get()) : Map.of();
    }

    /** The keys whose value this change sets anew, adds or removes. */
    private static List<String> changedKeys(Map<String, String> properties, Map<String, Object> stored) {
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(stored.keySet());
        keys.addAll(properties.keySet());
        return keys.stream().filter(k -> !properties.containsKey(k) || !stored.containsKey(k)
                || !String.valueOf(stored.get(k)).equals(properties.get(k))).toList();
    }

    static boolean isSecret(String key) {
        return SECRET.matcher(key).matches();
    }

    /** The properties as shown: every secret value as {@value #MASK}. */
    static Map<String, Object> masked(Map<String, ?> properties) {
        Map<String, Object> shown = new TreeMap<>();
        properties.forEach((key, value) -> shown.put(key, isSecret(key) ? MASK : value));
        return shown;
    }

    /** A secret sent back as {@value #MASK} keeps its stored value (or is left out, if it had none). */
    private static Map<String, String> keepMasked(Map<String, String> properties, Map<String, Object> stored)
            throws Json.BadRequest {
        if (properties.entrySet().stream().noneMatch(e -> isSecret(e.getKey()) && MASK.equals(e.getValue()))) {
            return properties;
        }
        Map<String, String> kept = new TreeMap<>();
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            if (isSecret(entry.getKey()) && MASK.equals(entry.getValue())) {
                if (!stored.containsKey(entry.getKey())) {
                    throw new Json.BadRequest(entry.getKey() + " is " + MASK + ", the mask of a value never shown, but "
                            + "it holds no value to keep; send the value itself");
                }
                kept.put(entry.getKey(), String.valueOf(stored.get(entry.getKey())));
            } else {
                kept.put(entry.getKey(), entry.getValue());
            }
        }
        return kept;
    }

    /** {"properties": {key: string, number or boolean}}; anything else is the client's mistake. */
    static Map<String, String> properties(JsonObject body) throws Json.BadRequest {
        JsonElement properties = body.get("properties");
        if (properties == null || !properties.isJsonObject()) {
            throw new Json.BadRequest("the body needs \"properties\" as an object: {\"properties\": {\"key\": \"value\"}}");
        }
        Map<String, String> values = new TreeMap<>();
        for (Map.Entry<String, JsonElement> entry : properties.getAsJsonObject().entrySet()) {
            String key = entry.getKey();
            if (key.isBlank() || key.length() > 200) {
                throw new Json.BadRequest("property names are 1 to 200 characters and not blank");
            }
            if (!entry.getValue().isJsonPrimitive()) {
                throw new Json.BadRequest("property '" + key + "' must be a string, number or boolean, not "
                        + (entry.getValue().isJsonNull() ? "null" : entry.getValue().isJsonArray() ? "a list" : "an object"));
            }
            JsonPrimitive value = entry.getValue().getAsJsonPrimitive();
            values.put(key.strip(), value.getAsString());
        }
        return values;
    }
}
