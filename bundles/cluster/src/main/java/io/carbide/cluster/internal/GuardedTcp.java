package io.carbide.cluster.internal;

import java.io.DataInput;
import java.io.IOException;
import org.jgroups.Address;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.TCP;
import org.jgroups.util.ByteArrayDataInputStream;

/**
 * JGroups' TCP transport, reading each frame whole before any of it is parsed, so that what a
 * message inside claims to hold is checked against what the frame holds ({@link GuardedMessages}).
 * JGroups parses straight from the connection, before the cluster's seal can tell who sent the
 * bytes: anyone who could reach the cluster port ended a node with one frame claiming a payload
 * of 1 GiB. Frames are at most {@link #MAX_FRAME_BYTES}: FRAG2 cuts messages at 60 KB and the
 * bundler sends at most 64 KB, so a longer frame ends its connection.
 */
public class GuardedTcp extends TCP {

    static final int MAX_FRAME_BYTES = 4 << 20;

    public GuardedTcp() {
        // JGroups numbers protocols by class; this one is TCP on the wire, so it takes TCP's number
        this.id = ClassConfigurator.getProtocolId(TCP.class);
        this.max_length = MAX_FRAME_BYTES;
        GuardedMessages.install();
    }

    @Override
    public void receive(Address sender, DataInput in, int len) throws Exception {
        if (len < 0 || len > MAX_FRAME_BYTES) {
            throw new IOException("a frame of " + len + " bytes is longer than any member sends");
        }
        byte[] frame = new byte[len];
        in.readFully(frame);
        receive(sender, frame, 0, len);
    }

    @Override
    protected void handleMessageBatch(DataInput in, boolean multicast) {
        if (in instanceof ByteArrayDataInputStream frame && !GuardedMessages.batchFits(frame)) {
            log.debug("%s: dropped a message batch that claims more messages than its frame holds", local_addr);
            return;
        }
        super.handleMessageBatch(in, multicast);
    }
}
