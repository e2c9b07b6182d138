package io.carbide.cluster;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Small records the managers keep by their consensus and never send to a worker: what must be
 * the same on every manager but is no artifact, such as the management users. A record is
 * opaque bytes under a key, with a version that goes up by one at every write; a write names the
 * version it read, so two managers writing at once cannot lose one another's change (the second
 * is told to read again). Only managers have this service.
 */
public interface ManagerRecords {

    /** A record as the managers committed it; version 0 and no bytes for a key never written. */
    record Versioned(long version, byte[] value) {
        public static final Versioned NONE = new Versioned(0, new byte[0]);
    }

    /** The record as this manager has applied it (it may be behind the leader by a moment). */
    Versioned read(String key);

    /**
     * Writes the record if the managers still hold it at {@code expected}.
     *
     * @return false when another write came first: read again and redo the change on what it holds
     * @throws NoQuorumException when no majority of the managers is reachable, or one of them runs a
     *         version that does not know these records (the message says which)
     */
    boolean compareAndSet(String key, long expected, byte[] value) throws IOException, NoQuorumException;

    /** How many managers vote in the consensus that keeps the records (1 for a lone manager). */
    int voters();

    /**
     * Calls {@code changed} with the record each time a write to it is applied here, and when the
     * managers' whole state was replaced (a snapshot, a new lineage); on the consensus' events
     * thread, so it must be quick. Once, at once, if the record was already written.
     *
     * @return what to call to stop watching
     */
    Runnable watch(String key, Consumer<Versioned> changed);
}
