package io.carbide.management.internal.load;

import io.carbide.metrics.LoadSample;
import java.util.Arrays;
import java.util.List;

/**
 * Turns nodes' cumulative load samples into rates, and several nodes' rates into the load of their
 * sub-domain. Percentiles come from the nodes' latency histograms added bucket by bucket, the way
 * Prometheus' {@code histogram_quantile} reads them, never from averaging each node's percentile
 * (the mean of two p99s is no one's p99).
 */
final class LoadMath {

    private LoadMath() {
    }

    /**
     * One node's traffic between two of its samples.
     *
     * @param seconds the time between the samples, by the node's own clock
     * @param bucketBounds the latency histogram's upper bounds (seconds, the last infinite)
     * @param bucketDeltas requests per latency bucket between the samples
     * @param cpu the share of the node's processors its process used, 0 to 1
     */
    record Rate(double seconds, double requestsPerSecond, double serverErrorsPerSecond, long inFlight,
            double[] bucketBounds, long[] bucketDeltas, double cpu, long heapUsedBytes) {
    }

    /** The load of several nodes together; percentiles are null while no request was measured. */
    record Merged(int reporting, double requestsPerSecond, double serverErrorsPerSecond, long inFlight,
            Double p50Seconds, Double p99Seconds, Double cpu) {
    }

    /**
     * The traffic between {@code older} and {@code newer}, or null when they cannot be compared:
     * the node restarted its counters in between, or no time passed.
     */
    static Rate between(LoadSample older, LoadSample newer) {
        double seconds = (newer.nanos() - older.nanos()) / 1e9;
        if (older.startedAt() != newer.startedAt() || seconds <= 0
                || !Arrays.equals(older.bucketBounds(), newer.bucketBounds())) {
            return null;
        }
        long[] before = older.bucketCounts();
        long[] after = newer.bucketCounts();
        long[] deltas = new long[after.length];
        for (int i = 0; i < after.length; i++) {
            deltas[i] = Math.max(0, after[i] - before[i]);
        }
        long requests = Math.max(0, newer.requests() - older.requests());
        long errors = Math.max(0, newer.serverErrors() - older.serverErrors());
        double cpu = newer.processors() <= 0 || newer.cpuNanos() <= 0 ? Double.NaN
                : Math.min(1, Math.max(0, (newer.cpuNanos() - older.cpuNanos()) / 1e9 / seconds / newer.processors()));
        return new Rate(seconds, requests / seconds, errors / seconds, newer.inFlight(), newer.bucketBounds(),
                deltas, cpu, newer.heapUsedBytes());
    }

    /**
     * Several nodes' load as one: requests and errors per second add up, latency histograms merge
     * where their buckets agree (a node whose buckets differ, from another version, counts in the
     * rates but not in the percentiles), CPU is the nodes' mean.
     */
    static Merged merge(List<Rate> rates) {
        double requests = 0;
        double errors = 0;
        long inFlight = 0;
        double cpuSum = 0;
        int cpuCount = 0;
        double[] bounds = null;
        long[] merged = null;
        for (Rate rate : rates) {
            requests += rate.requestsPerSecond();
            errors += rate.serverErrorsPerSecond();
            inFlight += rate.inFlight();
            if (!Double.isNaN(rate.cpu())) {
                cpuSum += rate.cpu();
                cpuCount++;
            }
            if (bounds == null) {
                bounds = rate.bucketBounds();
                merged = rate.bucketDeltas().clone();
            } else if (Arrays.equals(bounds, rate.bucketBounds())) {
                long[] deltas = rate.bucketDeltas();
                for (int i = 0; i < merged.length; i++) {
                    merged[i] += deltas[i];
                }
            }
        }
        Double p50 = bounds == null ? null : quantile(0.50, bounds, merged);
        Double p99 = bounds == null ? null : quantile(0.99, bounds, merged);
        return new Merged(rates.size(), requests, errors, inFlight, p50, p99, cpuCount == 0 ? null : cpuSum / cpuCount);
    }

    /**
     * The q-quantile of a histogram, interpolated linearly inside the bucket it falls in, as
     * Prometheus does; a quantile in the last (infinite) bucket is that bucket's lower bound.
     *
     * @return null for a histogram with no observation
     */
    static Double quantile(double q, double[] bounds, long[] counts) {
        long total = Arrays.stream(counts).sum();
        if (total == 0) {
            return null;
        }
        double rank = q * total;
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            long previous = cumulative;
            cumulative += counts[i];
            if (cumulative >= rank && counts[i] > 0) {
                double lower = i == 0 ? 0 : bounds[i - 1];
                double upper = bounds[i];
                if (Double.isInfinite(upper)) {
                    return lower;
                }
                return lower + (upper - lower) * (rank - previous) / counts[i];
            }
        }
        return bounds.length > 1 ? bounds[bounds.length - 2] : null;
    }
}
