package io.carbide.management.internal.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.carbide.metrics.LoadSample;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadMathTest {

    private static final double[] BOUNDS = {0.01, 0.1, 1, Double.POSITIVE_INFINITY};

    private static LoadSample sample(long started, double seconds, long ok, long errors, long[] buckets, double cpuSeconds) {
        return new LoadSample(started, (long) (seconds * 1e9), new long[] {0, ok, 0, 0, errors}, 0, BOUNDS, buckets, 0,
                (long) (cpuSeconds * 1e9), 2, 0);
    }

    @Test
    void aRateIsTheDifferenceOfTwoSamplesOverTheTimeBetweenThem() {
        LoadMath.Rate rate = LoadMath.between(sample(1, 10, 100, 0, new long[] {100, 0, 0, 0}, 1),
                sample(1, 12, 300, 10, new long[] {100, 210, 0, 0}, 2));
        assertEquals(105, rate.requestsPerSecond(), 1e-9);
        assertEquals(5, rate.serverErrorsPerSecond(), 1e-9);
        assertEquals(0.25, rate.cpu(), 1e-9, "1 CPU second over 2 seconds on 2 processors");
        assertEquals(210, rate.bucketDeltas()[1]);
    }

    @Test
    void countersThatStartedAgainAreNotComparedWithTheOldRun() {
        assertNull(LoadMath.between(sample(1, 10, 500, 0, new long[] {500, 0, 0, 0}, 1),
                sample(2, 1, 3, 0, new long[] {3, 0, 0, 0}, 0.1)));
    }

    @Test
    void theP99OfSeveralNodesComesFromTheirMergedHistogramsNotTheirMeanP99() {
        // a fast node (all under 10 ms) and a slow one (all between 0.1 s and 1 s), 99 and 1 requests:
        // the sub-domain's p99 falls at the very edge of the slow bucket, not half way between the nodes
        LoadMath.Rate fast = LoadMath.between(sample(1, 0, 0, 0, new long[] {0, 0, 0, 0}, 0),
                sample(1, 1, 990, 0, new long[] {990, 0, 0, 0}, 0));
        LoadMath.Rate slow = LoadMath.between(sample(1, 0, 0, 0, new long[] {0, 0, 0, 0}, 0),
                sample(1, 1, 10, 0, new long[] {0, 0, 10, 0}, 0));
        LoadMath.Merged merged = LoadMath.merge(List.of(fast, slow));
        assertEquals(1000, merged.requestsPerSecond(), 1e-9);
        assertEquals(0.01, merged.p99Seconds(), 1e-9, "the 990th of 1000 is the last of the fast bucket");
        assertEquals(0.01 * 500 / 990, merged.p50Seconds(), 1e-9, "the 500th of 990 in the fast bucket");
        LoadMath.Merged slowOnly = LoadMath.merge(List.of(slow));
        assertEquals(0.991, slowOnly.p99Seconds(), 1e-9, "interpolated inside 0.1 .. 1 s");
    }

    @Test
    void aQuantileInTheOpenEndedBucketIsItsLowerBoundAndNoRequestsHaveNone() {
        assertEquals(1.0, LoadMath.quantile(0.99, BOUNDS, new long[] {0, 0, 0, 5}));
        assertNull(LoadMath.quantile(0.99, BOUNDS, new long[] {0, 0, 0, 0}));
        assertNull(LoadMath.merge(List.of()).p99Seconds());
    }
}
