package io.carbide.management.internal.audit;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This manager's audit trail: one JSON line per state-changing request on the management port and
 * per log-in, success or failure, in {@code data/audit/audit.jsonl} of its base (owner-only),
 * appended and forced to disk before the answer leaves, never rewritten. At
 * {@value #ROTATE_BYTES} bytes it becomes {@code audit.jsonl.1} (and so on, {@value #KEPT} kept).
 * Each line carries a format version ({@code v}); a reader skips lines it cannot read. Values that
 * could be secrets never get here: a configuration change names the keys it changed, a user change
 * whether the password changed, never the values.
 */
@Component(service = AuditTrail.class)
public class AuditTrail {

    static final int FORMAT = 1;
    static final long ROTATE_BYTES = 5L * 1024 * 1024;
    static final int KEPT = 5;
    /** Request attribute where a servlet notes what it changed ({@link #note}). */
    static final String DETAIL_ATTRIBUTE = "carbide.audit.detail";
    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);

    private final Path file;
    private final String manager;
    private final Gson gson = new GsonBuilder().disableHtmlEscaping().create();
    private FileChannel channel;

    /** One entry. {@code outcome} is {@code ok}, {@code refused} (4xx) or {@code failed} (5xx). */
    public record Entry(long at, String manager, String user, String address, String kind, String target,
            Map<String, Object> detail, int status, String outcome) {
    }

    @Activate
    public AuditTrail(@Reference NodeIdentity node) {
        this.manager = node.name();
        Path dir = node.base().resolve("data/audit");
        this.file = dir.resolve("audit.jsonl");
        try {
            Files.createDirectories(dir);
            open();
        } catch (IOException | RuntimeException e) {
            // the management port stays open: a trail that cannot be written is an error in the log for every entry
            LOG.error("Cannot open the audit trail {}: {}; entries are logged here instead until it can be written",
                    file, e.toString());
        }
    }

    private void open() throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        boolean cutShort = false;
        try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = reader.size();
            if (size > 0) {
                ByteBuffer last = ByteBuffer.allocate(1);
                reader.read(last, size - 1);
                cutShort = last.get(0) != '\n';
            }
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (cutShort) {
            // a line a crash cut short stays one unreadable line, never glued to the next entry
            channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
        }
    }

    @Deactivate
    synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    /** Adds what a request changed to its audit entry (an artifact's revision, the keys of a configuration). */
    public static void note(HttpServletRequest request, String key, Object value) {
        @SuppressWarnings("unchecked")
        Map<String, Object> detail = (Map<String, Object>) request.getAttribute(DETAIL_ATTRIBUTE);
        if (detail == null) {
            detail = new LinkedHashMap<>();
            request.setAttribute(DETAIL_ATTRIBUTE, detail);
        }
        detail.put(key, value);
    }

    /** Records a request that changed something (or tried to), with what servlets noted of it. */
    public void record(HttpServletRequest request, String path, String user, int status) {
        String[] kind = kindOf(request.getMethod(), path);
        record(request, kind[0], kind[1], user, status);
    }

    /** Records a log-in by HTTP Basic credentials (refused ones: a successful one is every script call). */
    public void recordLogIn(HttpServletRequest request, String user, int status) {
        record(request, "login", "", user, status);
    }

    private void record(HttpServletRequest request, String kind, String target, String user, int status) {
        @SuppressWarnings("unchecked")
        Map<String, Object> detail = (Map<String, Object>) request.getAttribute(DETAIL_ATTRIBUTE);
        append(new Entry(System.currentTimeMillis(), manager, shortened(user == null ? "" : user),
                request.getRemoteAddr(), shortened(kind), shortened(target), detail == null ? Map.of() : detail, status,
                status < 400 ? "ok" : status < 500 ? "refused" : "failed"));
    }

    /** What a request names is kept to 200 characters: a long URI must not make long lines. */
    private static String shortened(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /**
     * What a request did, as a kind and its target: {@code upload hello.jar}, {@code config-set hello},
     * {@code rollout-pause}, {@code login}. A path no kind names is kept as it came.
     */
    static String[] kindOf(String method, String path) {
        String[] parts = path.split("/", 4); // "", "api", resource, rest
        String resource = parts.length > 2 ? parts[2] : "";
        String rest = parts.length > 3 ? parts[3] : "";
        String kind = switch (method + " " + resource) {
            case "POST login" -> "login";
            case "POST logout" -> "logout";
            case "PUT artifacts" -> "upload";
            case "DELETE artifacts" -> "undeploy";
            case "POST rollback" -> "rollback";
            case "POST rollout" -> "rollout-" + rest;
            case "PUT config" -> "config-set";
            case "DELETE config" -> "config-delete";
            case "PUT users" -> "user-set";
            case "DELETE users" -> "user-delete";
            case "POST managers" -> "manager-add";
            case "DELETE managers" -> "manager-remove";
            case "POST cluster" -> "cluster-" + rest;
            case "POST certificate" -> "certificate-" + rest;
            case "PUT certificate" -> "certificate-install";
            case "POST backup" -> "backup-with-keys";
            default -> method.toLowerCase(java.util.Locale.ROOT) + " " + path;
        };
        boolean named = List.of("artifacts", "config", "users", "managers").contains(resource);
        return new String[] {kind, named ? rest : ""};
    }

    synchronized void append(Entry entry) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("v", FORMAT);
        line.put("at", entry.at());
        line.put("manager", entry.manager());
        line.put("user", entry.user());
        line.put("address", entry.address());
        line.put("kind", entry.kind());
        line.put("target", entry.target());
        line.put("detail", entry.detail());
        line.put("status", entry.status());
        line.put("outcome", entry.outcome());
        byte[] bytes = (gson.toJson(line) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (channel == null || !channel.isOpen()) {
                open();
            }
            if (channel.size() + bytes.length > ROTATE_BYTES) {
                rotate();
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false); // on disk before the answer leaves: a crash cannot lose what was done
        } catch (IOException e) {
            LOG.error("Could not write the audit entry {} to {}: {}", gson.toJson(line), file, e.getMessage());
        }
    }

    private void rotate() throws IOException {
        channel.close();
        try {
            Files.deleteIfExists(rotated(KEPT));
            for (int i = KEPT - 1; i >= 1; i--) {
                if (Files.exists(rotated(i))) {
                    Files.move(rotated(i), rotated(i + 1));
                }
            }
            Files.move(file, rotated(1));
            LOG.info("Audit trail {} rotated; the {} files before it are kept", file, KEPT);
        } finally {
            open(); // a failed rotation goes on writing where it was, never nowhere
        }
    }

    private Path rotated(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    /** The newest entries first, at most {@code limit}, that {@code wanted} takes; lines it cannot read are skipped. */
    public synchronized List<Entry> newest(Predicate<Entry> wanted, int limit) {
        List<Entry> found = new ArrayList<>();
        for (int n = 0; n <= KEPT && found.size() < limit; n++) {
            Path path = n == 0 ? file : rotated(n);
            if (!Files.exists(path)) {
                continue;
            }
            try {
                // decoded leniently: one damaged byte costs its own line, not the file
                String[] lines = new String(Files.readAllBytes(path), StandardCharsets.UTF_8).split("\n");
                for (int i = lines.length - 1; i >= 0 && found.size() < limit; i--) {
                    Entry entry = parse(lines[i]);
                    if (entry != null && wanted.test(entry)) {
                        found.add(entry);
                    }
                }
            } catch (IOException e) {
                LOG.warn("Could not read the audit trail {}: {}", path, e.getMessage());
            }
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    static Entry parse(String line) {
        try {
            JsonObject json = JsonParser.parseString(line).getAsJsonObject();
            if (!json.has("v") || json.get("v").getAsInt() < 1) {
                return null;
            }
            Map<String, Object> detail = json.has("detail") && json.get("detail").isJsonObject()
                    ? new Gson().fromJson(json.get("detail"), Map.class) : Map.of();
            return new Entry(json.get("at").getAsLong(), text(json, "manager"), text(json, "user"), text(json, "address"),
                    text(json, "kind"), text(json, "target"), detail,
                    json.has("status") ? json.get("status").getAsInt() : 0, text(json, "outcome"));
        } catch (RuntimeException unreadable) {
            return null; // a line cut short by a crash, or of a format this version does not know
        }
    }

    private static String text(JsonObject json, String key) {
        return json.has(key) && !json.get(key).isJsonNull() ? json.get(key).getAsString() : "";
    }
}
