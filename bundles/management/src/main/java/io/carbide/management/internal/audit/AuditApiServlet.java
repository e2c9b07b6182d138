package io.carbide.management.internal.audit;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.SubDomain;
import io.carbide.management.internal.Json;
import io.carbide.management.internal.ManagementServlet;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/audit?user=NAME&kind=KIND&limit=N} (admins only): the newest entries of the audit
 * trail, of every manager in the cluster merged by time, each naming the manager that kept it. A
 * manager answers the others over the cluster ({@value #TYPE}, version 1, JSON); one that does not
 * answer within {@value #ASK_SECONDS} s is named under {@code unreachable}. The trails never go
 * through the managers' consensus: each manager writes only what was asked of it.
 */
@Component(service = {AuditApiServlet.class, MessageHandler.class}, immediate = true,
        property = MessageHandler.TYPE + "=" + AuditApiServlet.TYPE)
public class AuditApiServlet extends ManagementServlet implements MessageHandler {

    static final String TYPE = "management.audit";
    static final int ASK_SECONDS = 3;
    private static final int MAX_LIMIT = 1000;
    private static final long serialVersionUID = 1L;

    private final transient AuditTrail trail;
    private final transient Cluster cluster;
    private final transient ManagerConsensus consensus;
    private final transient Gson gson = new Gson();

    @Activate
    public AuditApiServlet(@Reference NodeIdentity node, @Reference AuditTrail trail, @Reference Cluster cluster,
            @Reference ManagerConsensus consensus, BundleContext context) {
        this.trail = trail;
        this.cluster = cluster;
        this.consensus = consensus;
        publish(context, node, "/api/audit");
    }

    @Deactivate
    void deactivate() {
        withdraw();
    }

    /** What a caller asks for: entries of this user and kind (empty: any), the newest {@code limit}. */
    record Query(String user, String kind, int limit) {
        Predicate<AuditTrail.Entry> filter() {
            return entry -> (user.isEmpty() || entry.user().equals(user)) && (kind.isEmpty() || entry.kind().equals(kind));
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Query query;
        try {
            String limit = request.getParameter("limit");
            int n = limit == null ? 100 : Integer.parseInt(limit.strip());
            if (n < 1 || n > MAX_LIMIT) {
                throw new NumberFormatException();
            }
            query = new Query(blankIfNull(request.getParameter("user")), blankIfNull(request.getParameter("kind")), n);
        } catch (NumberFormatException e) {
            Json.error(response, 400, "give the limit as a whole number from 1 to " + MAX_LIMIT + ", e.g. ?limit=100");
            return;
        }
        List<AuditTrail.Entry> entries = new ArrayList<>(trail.newest(query.filter(), query.limit()));
        Map<String, CompletableFuture<ClusterMessage>> asked = new LinkedHashMap<>();
        for (ClusterMember manager : cluster.view().in(SubDomain.MGT)) {
            if (!manager.name().equals(cluster.view().self().name())) {
                asked.put(manager.name(), cluster.request(manager.name(), new ClusterMessage(TYPE, 1,
                        gson.toJson(query).getBytes(StandardCharsets.UTF_8)), Duration.ofSeconds(ASK_SECONDS))
                        .toCompletableFuture());
            }
        }
        List<String> unreachable = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<ClusterMessage>> answer : asked.entrySet()) {
            try {
                entries.addAll(gson.fromJson(new String(answer.getValue().get(ASK_SECONDS + 1, TimeUnit.SECONDS)
                        .payload(), StandardCharsets.UTF_8), new TypeToken<List<AuditTrail.Entry>>() { }.getType()));
            } catch (Exception e) { // a manager that does not answer, or answers garbage, is named, not fatal
                unreachable.add(answer.getKey());
            }
        }
        entries.sort(Comparator.comparingLong(AuditTrail.Entry::at).reversed());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entries", entries.subList(0, Math.min(entries.size(), query.limit())));
        body.put("unreachable", unreachable);
        Json.write(response, 200, body);
    }

    /** Another manager asks for this one's entries. */
    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) throws IOException {
        // a voting manager, by the managers' own consensus: not whatever sub-domain a node announced
        if (!consensus.state().members().contains(from.name())) {
            throw new IOException("only managers read each other's audit trails; " + from.name() + " is not one");
        }
        JsonObject asked = JsonParser.parseString(new String(message.payload(), StandardCharsets.UTF_8)).getAsJsonObject();
        Query query = new Query(text(asked, "user"), text(asked, "kind"),
                Math.max(1, Math.min(MAX_LIMIT, asked.has("limit") ? asked.get("limit").getAsInt() : 100)));
        return new ClusterMessage(TYPE, 1, gson.toJson(trail.newest(query.filter(), query.limit()))
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String text(JsonObject json, String key) {
        return json.has(key) && json.get(key).isJsonPrimitive() ? json.get(key).getAsString() : "";
    }

    private static String blankIfNull(String value) {
        return value == null ? "" : value.strip();
    }
}
