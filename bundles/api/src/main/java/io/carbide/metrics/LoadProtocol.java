package io.carbide.metrics;

import io.carbide.cluster.ClusterMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@value #LOAD} (every node to every manager, one-way, every {@value #INTERVAL_SECONDS} s): the
 * node's {@link LoadSample}. Version 1. Read tolerantly: fields a later version appends are
 * skipped, so a fleet can be upgraded one node at a time.
 */
public final class LoadProtocol {

    public static final String LOAD = "metrics.load";
    public static final int VERSION = 1;
    public static final int INTERVAL_SECONDS = 2;
    /** More buckets than any histogram of ours has: a bound against a corrupt message. */
    private static final int MAX_BUCKETS = 256;

    private LoadProtocol() {
    }

    public static ClusterMessage encode(LoadSample sample) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(sample.startedAt());
            out.writeLong(sample.nanos());
            for (long count : sample.requestsByClass()) {
                out.writeLong(count);
            }
            out.writeLong(sample.inFlight());
            double[] bounds = sample.bucketBounds();
            long[] counts = sample.bucketCounts();
            out.writeShort(bounds.length);
            for (int i = 0; i < bounds.length; i++) {
                out.writeDouble(bounds[i]);
                out.writeLong(counts[i]);
            }
            out.writeDouble(sample.latencySeconds());
            out.writeLong(sample.cpuNanos());
            out.writeInt(sample.processors());
            out.writeLong(sample.heapUsedBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ClusterMessage(LOAD, VERSION, bytes.toByteArray());
    }

    public static LoadSample decode(ClusterMessage message) throws IOException {
        if (!LOAD.equals(message.type()) || message.version() < 1) {
            throw new IOException("expected a " + LOAD + " message of version 1 or later, got " + message.type()
                    + " version " + message.version());
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message.payload()))) {
            long startedAt = in.readLong();
            long nanos = in.readLong();
            long[] byClass = new long[LoadSample.STATUS_CLASSES];
            for (int i = 0; i < byClass.length; i++) {
                byClass[i] = in.readLong();
            }
            long inFlight = in.readLong();
            int buckets = in.readUnsignedShort();
            if (buckets > MAX_BUCKETS) {
                throw new IOException("a load sample with " + buckets + " latency buckets (at most " + MAX_BUCKETS + ")");
            }
            double[] bounds = new double[buckets];
            long[] counts = new long[buckets];
            for (int i = 0; i < buckets; i++) {
                bounds[i] = in.readDouble();
                counts[i] = in.readLong();
            }
            double latency = in.readDouble();
            long cpu = in.readLong();
            int processors = in.readInt();
            long heap = in.readLong();
            return new LoadSample(startedAt, nanos, byClass, inFlight, bounds, counts, latency, cpu, processors, heap);
        }
    }
}
