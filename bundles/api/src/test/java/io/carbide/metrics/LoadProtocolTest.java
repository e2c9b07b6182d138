package io.carbide.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.carbide.cluster.ClusterMessage;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LoadProtocolTest {

    private final LoadSample sample = new LoadSample(7, 123_456, new long[] {0, 10, 2, 3, 1}, 4,
            new double[] {0.1, Double.POSITIVE_INFINITY}, new long[] {15, 1}, 0.75, 9_000, 2, 1 << 20);

    @Test
    void aSampleArrivesAsItWasSent() throws IOException {
        LoadSample read = LoadProtocol.decode(LoadProtocol.encode(sample));
        assertEquals(16, read.requests());
        assertEquals(1, read.serverErrors());
        assertArrayEquals(sample.bucketBounds(), read.bucketBounds());
        assertArrayEquals(sample.bucketCounts(), read.bucketCounts());
        assertEquals(sample.cpuNanos(), read.cpuNanos());
        assertEquals(sample.heapUsedBytes(), read.heapUsedBytes());
    }

    @Test
    void fieldsALaterVersionAppendsAreSkipped() throws IOException {
        ClusterMessage sent = LoadProtocol.encode(sample);
        byte[] longer = Arrays.copyOf(sent.payload(), sent.payload().length + 12);
        LoadSample read = LoadProtocol.decode(new ClusterMessage(LoadProtocol.LOAD, 2, longer));
        assertEquals(sample.startedAt(), read.startedAt());
        assertEquals(sample.inFlight(), read.inFlight());
    }

    @Test
    void aCutOffOrForeignMessageIsAnErrorNotAWrongSample() {
        ClusterMessage sent = LoadProtocol.encode(sample);
        assertThrows(IOException.class, () -> LoadProtocol.decode(
                new ClusterMessage(LoadProtocol.LOAD, 1, Arrays.copyOf(sent.payload(), 20))));
        assertThrows(IOException.class, () -> LoadProtocol.decode(new ClusterMessage("deployment.report", 1, sent.payload())));
    }
}
