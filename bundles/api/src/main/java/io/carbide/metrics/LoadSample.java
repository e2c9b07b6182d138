package io.carbide.metrics;

import java.util.Arrays;

/**
 * A node's client traffic and CPU since it started, at one moment. Every figure is cumulative, so a
 * lost or late sample loses nothing: a rate is the difference of two samples over the time between
 * them, and histograms of several nodes merge by adding their bucket counts.
 *
 * @param startedAt when the node started (epoch ms): a different value means the counters restarted
 * @param nanos the node's monotonic clock when it took the sample, for the time between two samples
 * @param requestsByClass client requests answered, by status class: index 0 for 1xx up to 4 for 5xx
 * @param inFlight client requests being served at that moment
 * @param bucketBounds the latency histogram's upper bounds in seconds, the last one infinite
 * @param bucketCounts requests per latency bucket (not cumulative), as many as bounds
 * @param latencySeconds the sum of all requests' latencies
 * @param cpuNanos CPU time the node's process used
 * @param processors the processors the node's JVM may use
 * @param heapUsedBytes heap in use
 */
public record LoadSample(long startedAt, long nanos, long[] requestsByClass, long inFlight, double[] bucketBounds,
        long[] bucketCounts, double latencySeconds, long cpuNanos, int processors, long heapUsedBytes) {

    public static final int STATUS_CLASSES = 5;

    public LoadSample {
        if (requestsByClass.length != STATUS_CLASSES) {
            throw new IllegalArgumentException("requests by status class need " + STATUS_CLASSES + " counts");
        }
        if (bucketBounds.length != bucketCounts.length) {
            throw new IllegalArgumentException("a histogram needs one count per bound");
        }
        requestsByClass = requestsByClass.clone();
        bucketBounds = bucketBounds.clone();
        bucketCounts = bucketCounts.clone();
    }

    /** Every client request answered, whatever its status. */
    public long requests() {
        return Arrays.stream(requestsByClass).sum();
    }

    /** Requests answered with a 5xx status. */
    public long serverErrors() {
        return requestsByClass[4];
    }

    @Override
    public long[] requestsByClass() {
        return requestsByClass.clone();
    }

    @Override
    public double[] bucketBounds() {
        return bucketBounds.clone();
    }

    @Override
    public long[] bucketCounts() {
        return bucketCounts.clone();
    }
}
