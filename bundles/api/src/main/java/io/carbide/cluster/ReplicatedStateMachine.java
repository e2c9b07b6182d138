package io.carbide.cluster;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * What the managers' consensus log means, written by the bundle that owns that meaning (the
 * repository): {@link #apply} must be deterministic, depending only on the state and the command,
 * so that every manager that applies the same log holds the same state. No I/O, no clock, no
 * network inside it; the work around a command (bytes, validation, announcements) happens before
 * it is proposed or after it is applied.
 */
public interface ReplicatedStateMachine {

    /** Applies a committed command; the answer goes back to the manager that proposed it. */
    byte[] apply(byte[] command) throws Exception;

    /** Writes the whole state, for a snapshot or a manager far behind. */
    void writeSnapshot(DataOutput out) throws IOException;

    /** Replaces the whole state with one {@link #writeSnapshot} wrote. */
    void readSnapshot(DataInput in) throws IOException;
}
