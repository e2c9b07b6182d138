package io.carbide.management.internal.rollout;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.NoQuorumException;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.NodeDeployment;
import io.carbide.deployment.Rollout;
import io.carbide.deployment.StagedRollouts;
import io.carbide.management.internal.FleetView;
import io.carbide.management.internal.load.FleetLoad;
import io.carbide.metrics.LoadProtocol;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a staged rollout along, once a second, on the manager that is the fleet's authority: it
 * looks at every admitted node (its report, its {@code /health}, its error rate over the settle
 * time) and, as {@link RolloutJudge} decides, admits the next wave or halts the rollout, which
 * rolls back the nodes that had the change. Every step it takes is a consensus command, so after
 * a failover the new authority's driver carries on from the replicated state.
 */
@Component(service = RolloutDriver.class, immediate = true)
public class RolloutDriver {

    static final String WAVE_TIMEOUT_PROPERTY = "carbide.rollout.waveTimeoutSeconds";
    static final String DRIVER = "staged rollout";
    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([a-z]+)\"");
    private static final Pattern REASON = Pattern.compile("\"reason\"\\s*:\\s*\"([^\"]*)\"");
    private static final Logger LOG = LoggerFactory.getLogger(RolloutDriver.class);

    private final FleetView fleet;
    private final StagedRollouts rollouts;
    private final FleetLoad load;
    private final RolloutJudge judge;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-rollout-driver");
        thread.setDaemon(true);
        return thread;
    });

    /** When the driver first saw each node admitted to the current rollout, by "toRevision/node". */
    private final Map<String, Long> admittedAt = new java.util.concurrent.ConcurrentHashMap<>();

    @Activate
    public RolloutDriver(@Reference FleetView fleet, @Reference StagedRollouts rollouts, @Reference FleetLoad load,
            BundleContext context) {
        this.fleet = fleet;
        this.rollouts = rollouts;
        this.load = load;
        this.judge = new RolloutJudge(TimeUnit.SECONDS.toMillis(waveTimeout(context.getProperty(WAVE_TIMEOUT_PROPERTY))));
        timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private static long waveTimeout(String value) {
        try {
            return value == null || value.isBlank() ? 300 : Math.max(10, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            LOG.warn("{} = '{}' is not a number of seconds; waiting 300 s for each wave", WAVE_TIMEOUT_PROPERTY, value);
            return 300;
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    private void tick() {
        try {
            Optional<Rollout> active = rollouts.rollout().filter(Rollout::active);
            if (active.isEmpty() || !fleet.authority().current().isAuthority()) {
                return;
            }
            Rollout rollout = active.get();
            RolloutJudge.Verdict verdict = judge.judge(rollout, look(rollout), System.currentTimeMillis());
            switch (verdict.kind()) {
                case ADVANCE -> {
                    LOG.info("Staged rollout of {}: {}; {}", rollout.artifact(), verdict.reason(),
                            rollout.currentWave() == rollout.waves().size() ? "complete"
                                    : "admitting wave " + (rollout.currentWave() + 1));
                    rollouts.advance(rollout.toRevision(), rollout.admitted() + 1);
                }
                case HALT -> {
                    LOG.warn("Staged rollout of {} halted: {}; rolling back to revision {} on {}", rollout.artifact(),
                            verdict.reason(), rollout.fromRevision(), rollout.admittedNodes());
                    rollouts.halt(rollout.toRevision(), verdict.reason(), DRIVER, false);
                }
                case WAIT -> {
                }
            }
        } catch (IOException | NoQuorumException e) {
            LOG.warn("The staged rollout could not take its next step: {}; trying again", e.getMessage());
        } catch (RuntimeException e) { // one bad look must not end the schedule
            LOG.warn("The staged rollout's driver failed this time: {}", e.toString());
        }
    }

    /** Every admitted node as the driver sees it now; the current wave's health asked all at once. */
    private Map<String, RolloutJudge.Seen> look(Rollout rollout) {
        ClusterView view = fleet.cluster().view();
        Map<String, NodeDeployment> reports = fleet.deployments();
        String repositoryId = fleet.repository().id();
        int window = Math.max(2, Math.min(FleetLoad.MAX_WINDOW_SECONDS, rollout.settleSeconds()));
        List<String> admitted = rollout.admittedNodes();
        Map<String, CompletableFuture<String[]>> health = new HashMap<>();
        for (String node : admitted) {
            health.put(node, view.member(node).map(this::health)
                    .orElse(CompletableFuture.completedFuture(new String[] {"", "not in the cluster"})));
        }
        Map<String, RolloutJudge.Seen> seen = new HashMap<>();
        for (String node : admitted) {
            NodeDeployment report = reports.get(node);
            long revision = report != null && report.repositoryId().equals(repositoryId) ? report.revision() : -1;
            ArtifactState state = report == null ? null : report.artifacts().stream()
                    .filter(a -> a.name().equals(rollout.artifact()) && a.revision() == rollout.toRevision())
                    .findFirst().orElse(null);
            String[] answer = health.get(node).join();
            FleetLoad.Traffic traffic = load.traffic(node, window, countedFrom(rollout, node))
                    .orElse(new FleetLoad.Traffic(0, 0, 0));
            seen.put(node, new RolloutJudge.Seen(node, view.member(node).isPresent(), revision,
                    state == null ? "" : state.state(), state == null || state.reason() == null ? "" : state.reason(),
                    "ready".equals(answer[0]), answer[1], traffic.requests(), traffic.serverErrors()));
        }
        return seen;
    }

    /**
     * From when a node's load samples count towards its error rate: from the sample before the
     * driver first saw it admitted to this rollout. The errors of what it served earlier (e.g. a
     * release a halted rollout took back a moment ago) are not this change's; the one sample
     * before is kept so that a burst of requests just after the change applied, before the node's
     * next sample, still counts.
     */
    private long countedFrom(Rollout rollout, String node) {
        admittedAt.keySet().removeIf(k -> !k.startsWith(rollout.toRevision() + "/"));
        return admittedAt.computeIfAbsent(rollout.toRevision() + "/" + node, k -> System.currentTimeMillis())
                - LoadProtocol.INTERVAL_SECONDS * 1000L - 500;
    }

    /** The node's {@code /health} state and reason ("" and why, when it does not answer). */
    private CompletableFuture<String[]> health(ClusterMember member) {
        try {
            return http.sendAsync(HttpRequest.newBuilder(URI.create(member.clientUrl() + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> new String[] {find(STATE, response.body()), find(REASON, response.body())})
                    .exceptionally(e -> new String[] {"", "its /health does not answer"});
        } catch (IllegalArgumentException badUrl) {
            return CompletableFuture.completedFuture(new String[] {"", "no client URL"});
        }
    }

    private static String find(Pattern pattern, String body) {
        Matcher matcher = pattern.matcher(body == null ? "" : body);
        return matcher.find() ? matcher.group(1) : "";
    }
}
