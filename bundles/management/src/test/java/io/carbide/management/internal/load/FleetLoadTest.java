package io.carbide.management.internal.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.metrics.LoadSample;
import org.junit.jupiter.api.Test;

class FleetLoadTest {

    private static final double[] BOUNDS = {0.1, Double.POSITIVE_INFINITY};

    /** A node's cumulative counts at {@code seconds} after its start. */
    private static LoadSample sample(double seconds, long ok, long errors) {
        return new LoadSample(1, (long) (seconds * 1e9), new long[] {0, ok, 0, 0, errors}, 0, BOUNDS,
                new long[] {ok + errors, ok + errors}, 0, 0, 2, 0);
    }

    @Test
    void trafficCountsOnlyFromTheSamplesReceivedSinceItWasAsked() {
        FleetLoad load = new FleetLoad(null); // no cluster: only the samples recorded here
        try {
            long now = System.currentTimeMillis();
            // 30 server errors between the first two samples, then 20 good requests
            load.record("w1", sample(0, 0, 0), now - 6_000);
            load.record("w1", sample(2, 0, 30), now - 4_000);
            load.record("w1", sample(4, 10, 30), now - 2_000);
            load.record("w1", sample(6, 20, 30), now);

            FleetLoad.Traffic all = load.traffic("w1", 10, Long.MIN_VALUE).orElseThrow();
            assertEquals(50, all.requests(), 1e-9);
            assertEquals(30, all.serverErrors(), 1e-9);

            // from the sample received 4 s ago on: the errors before it are not counted
            FleetLoad.Traffic since = load.traffic("w1", 10, now - 4_000).orElseThrow();
            assertEquals(20, since.requests(), 1e-9);
            assertEquals(0, since.serverErrors(), 1e-9);

            assertTrue(load.traffic("w1", 10, now + 1).isEmpty(), "no two samples since: nothing to judge yet");
        } finally {
            load.deactivate();
        }
    }
}
