package io.carbide.management.internal.rollout;

import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.Rollout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides, from what the nodes report, whether a staged rollout may admit its next wave, must halt,
 * or waits. It keeps what it needs to remember between looks (since when a wave is waited for,
 * since when it has been healthy, since when a node is unhealthy); a manager that becomes the
 * authority starts those clocks again, which only makes it wait longer.
 *
 * <p>A rollout halts when any node that has the change (every admitted wave, not only the current
 * one): reports the artifact failed; has not answered {@code ready} on {@code /health} for
 * {@value #UNHEALTHY_GRACE_MILLIS} ms in a row; left the cluster for as long (it may have crashed
 * on the change, and a scale-in cannot be told apart); or answered more than the allowed share of its
 * client requests with 5xx over the settle time (from at least {@value #MIN_REQUESTS} requests). It
 * also halts when the current wave has not applied the change within the wave timeout. A paused
 * rollout still halts on failure; it only does not advance.
 */
final class RolloutJudge {

    /** A blip (a slow answer, one lost probe) is not a failure; this long in a row is. */
    static final long UNHEALTHY_GRACE_MILLIS = 10_000;
    /** Fewer requests than this say nothing about an error rate. */
    static final long MIN_REQUESTS = 20;

    /**
     * What the driver saw of one node.
     *
     * @param revision the revision it reported applied, -1 without a report of this repository
     * @param artifactState its state for the rollout's artifact ({@link ArtifactState}), or empty
     * @param ready whether its {@code /health} answered 200 just now
     * @param requests client requests it answered over the settle time (from the load it sends)
     * @param serverErrors of those, the ones answered with 5xx
     */
    record Seen(String node, boolean inView, long revision, String artifactState, String artifactReason,
            boolean ready, String healthReason, double requests, double serverErrors) {
    }

    enum Kind {
        WAIT, ADVANCE, HALT
    }

    record Verdict(Kind kind, String reason) {
        static final Verdict WAIT = new Verdict(Kind.WAIT, "");
    }

    private final long waveTimeoutMillis;
    private String wave = "";
    private long waveSince;
    private long settledSince = -1;
    private final Map<String, Long> unhealthySince = new HashMap<>();

    RolloutJudge(long waveTimeoutMillis) {
        this.waveTimeoutMillis = waveTimeoutMillis;
    }

    Verdict judge(Rollout rollout, Map<String, Seen> seen, long now) {
        String key = rollout.toRevision() + "/" + rollout.admitted() + "/" + rollout.state();
        if (!key.equals(wave)) { // a new wave, or resumed: its clocks start now
            wave = key;
            waveSince = now;
            settledSince = -1;
            unhealthySince.clear();
        }
        for (String node : rollout.admittedNodes()) {
            Seen node1 = seen.get(node);
            if (node1 != null && !node1.inView()) {
                // it may have crashed on the change: the safe side is to halt, even for a planned scale-in
                long since = unhealthySince.computeIfAbsent(node, n -> now);
                if (now - since >= UNHEALTHY_GRACE_MILLIS) {
                    return halt(node + " left the cluster during the rollout of " + rollout.artifact());
                }
                continue;
            }
            if (node1 == null || !applied(rollout, node1) && !failed(rollout, node1)) {
                unhealthySince.remove(node);
                continue;
            }
            if (failed(rollout, node1)) {
                return halt(rollout.artifact() + " failed on " + node + (node1.artifactReason().isBlank() ? ""
                        : ": " + node1.artifactReason()));
            }
            if (!node1.ready()) {
                long since = unhealthySince.computeIfAbsent(node, n -> now);
                if (now - since >= UNHEALTHY_GRACE_MILLIS) {
                    return halt(node + " has not been ready for " + (now - since) / 1000 + " s since it applied "
                            + rollout.artifact() + (node1.healthReason().isBlank() ? "" : " (" + node1.healthReason() + ")"));
                }
            } else {
                unhealthySince.remove(node);
            }
            if (node1.requests() >= MIN_REQUESTS && node1.serverErrors() / node1.requests() > rollout.maxErrorRate()) {
                return halt(String.format(java.util.Locale.ROOT, "%s answered %.1f%% of its %d client requests with a "
                        + "server error over %d s (the threshold is %.1f%%)", node,
                        100 * node1.serverErrors() / node1.requests(), Math.round(node1.requests()),
                        Math.max(rollout.settleSeconds(), 1), 100 * rollout.maxErrorRate()));
            }
        }
        if (rollout.state() != Rollout.State.RUNNING) {
            return Verdict.WAIT;
        }
        List<String> current = rollout.waves().get(rollout.currentWave() - 1);
        for (String node : current) {
            Seen node1 = seen.get(node);
            if (node1 == null || !applied(rollout, node1) || !node1.ready()) {
                settledSince = -1;
                if (now - waveSince >= waveTimeoutMillis) {
                    return halt(node + (node1 == null || !node1.inView() ? " left the cluster and" : "")
                            + " did not apply " + rollout.artifact() + " (revision " + rollout.toRevision() + ") and "
                            + "answer ready within " + waveTimeoutMillis / 1000 + " s");
                }
                return Verdict.WAIT;
            }
        }
        if (settledSince < 0) {
            settledSince = now;
        }
        if (now - settledSince >= rollout.settleSeconds() * 1000L) {
            return new Verdict(Kind.ADVANCE, "wave " + rollout.currentWave() + " of " + rollout.waves().size()
                    + " applied and healthy for " + rollout.settleSeconds() + " s");
        }
        return Verdict.WAIT;
    }

    private static Verdict halt(String reason) {
        return new Verdict(Kind.HALT, reason);
    }

    /**
     * Applied: the node is at the change's revision or later, and the artifact runs (a bundle
     * ACTIVE, or started lazily; a web application published; a configuration in ConfigAdmin). A
     * bundle stored but not started is not applied, so its wave does not settle.
     */
    static boolean applied(Rollout rollout, Seen node) {
        return node.revision() >= rollout.toRevision() && ArtifactState.ACTIVE.equals(node.artifactState());
    }

    private static boolean failed(Rollout rollout, Seen node) {
        return node.revision() >= rollout.toRevision() && ArtifactState.FAILED.equals(node.artifactState());
    }
}
