package io.carbide.metrics.internal;

import io.carbide.deployment.DeploymentProgress;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The node's replication figures, read from its deployment when Prometheus scrapes: how many
 * revisions it is behind its manager, the bytes it fetched, and its artifacts by state. A node
 * without the deployment bundle (a manager-only node) shows none of them.
 */
final class DeploymentGauges {

    /** Every state an artifact can report, so each series exists (at 0) before it happens. */
    private static final List<String> STATES = List.of("active", "installed", "failed");

    private DeploymentGauges() {
    }

    static void register(PrometheusRegistry registry, Supplier<DeploymentProgress> deployment) {
        GaugeWithCallback.builder().name("carbide_replication_lag_revisions")
                .help("Revisions of the repository this node has not applied yet")
                .callback(callback -> {
                    DeploymentProgress progress = deployment.get();
                    if (progress != null) {
                        callback.call(Math.max(0, progress.targetRevision() - progress.appliedRevision()));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("carbide_applied_revision")
                .help("The revision of its repository this node has applied")
                .callback(callback -> {
                    DeploymentProgress progress = deployment.get();
                    if (progress != null) {
                        callback.call(progress.appliedRevision());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("carbide_fetched_bytes_total").unit(Unit.BYTES)
                .help("Artifact content this node fetched from managers since it started")
                .callback(callback -> {
                    DeploymentProgress progress = deployment.get();
                    if (progress != null) {
                        callback.call(progress.fetchedBytes());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("carbide_artifacts")
                .help("Artifacts this node holds, by state").labelNames("state")
                .callback(callback -> {
                    DeploymentProgress progress = deployment.get();
                    if (progress != null) {
                        Map<String, Long> byState = progress.artifactsByState();
                        for (String state : STATES) {
                            callback.call(byState.getOrDefault(state, 0L), state);
                        }
                    }
                }).register(registry);
    }
}
