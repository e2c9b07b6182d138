package io.carbide.cluster.internal;

import java.io.DataInput;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jgroups.BytesMessage;
import org.jgroups.CompositeMessage;
import org.jgroups.FragmentedMessage;
import org.jgroups.Message;
import org.jgroups.MessageFactory;
import org.jgroups.NioMessage;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.Util;

/**
 * Makes JGroups check what a message read off the wire claims to hold against what its frame
 * holds, before it allocates room for it. JGroups reads a message's payload length and allocates
 * that many bytes before it reads one of them; a message is parsed before the cluster's seal can
 * tell who sent it, so one frame of 19 bytes claiming a payload of 1 GiB, sent by anyone who could
 * reach a cluster port, ended the node with an OutOfMemoryError. The payload-carrying message
 * types are made by subclasses that refuse such a claim; a batch's message count is checked by
 * {@link #batchFits} before the batch is read. Checks apply where the frame is in memory
 * ({@link GuardedTcp} reads each frame whole; UDP reads datagrams whole).
 *
 * <p>The factory is JGroups' own, shared by every channel in the JVM (the cluster's and the
 * managers'), so installing it once covers both.
 */
final class GuardedMessages extends MessageFactory {

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private GuardedMessages() {
    }

    static void install() {
        if (INSTALLED.compareAndSet(false, true)) {
            creators[Message.BYTES_MSG] = BoundedBytesMessage::new;
            creators[Message.NIO_MSG] = BoundedNioMessage::new;
            creators[Message.COMPOSITE_MSG] = BoundedCompositeMessage::new;
            creators[Message.FRAG_MSG] = BoundedFragmentedMessage::new;
        }
    }

    /**
     * Refuses a length (or count) read {@code skip} bytes ahead that is more than what follows it in
     * the frame: no real message claims more bytes, or more parts, than its frame carries.
     */
    static void claimFits(DataInput in, int skip, String what) throws IOException {
        if (!(in instanceof ByteArrayDataInputStream frame)) {
            return;
        }
        int at = frame.position();
        try {
            frame.position(at + skip);
            int claimed = frame.readInt();
            int rest = frame.limit() - frame.position();
            if (claimed > rest) {
                throw new IOException(what + " claims " + claimed + " bytes where its frame holds " + rest);
            }
        } finally {
            frame.position(at);
        }
    }

    /**
     * Whether a message batch about to be read from {@code frame} claims no more messages than
     * the frame has bytes left (JGroups sizes the batch by that count before it reads a message).
     * Reads the batch's opening as {@code Util.readMessageBatch} of JGroups 5.4 does: destination,
     * sender, cluster name, count.
     */
    static boolean batchFits(ByteArrayDataInputStream frame) {
        int at = frame.position();
        try {
            Util.readAddress(frame);
            Util.readAddress(frame);
            short nameLength = frame.readShort();
            if (nameLength > 0) {
                frame.position(frame.position() + nameLength);
            }
            int count = frame.readInt();
            return count >= 0 && count <= frame.limit() - frame.position();
        } catch (Exception unreadable) {
            return false;
        } finally {
            frame.position(at);
        }
    }

    static final class BoundedBytesMessage extends BytesMessage {
        @Override
        public void readPayload(DataInput in) throws IOException {
            claimFits(in, 0, "a message");
            super.readPayload(in);
        }
    }

    static final class BoundedNioMessage extends NioMessage {
        @Override
        public void readPayload(DataInput in) throws IOException {
            claimFits(in, 1, "a message"); // after its flag for direct memory
            super.readPayload(in);
        }
    }

    static final class BoundedCompositeMessage extends CompositeMessage {
        @Override
        public void readPayload(DataInput in) throws IOException, ClassNotFoundException {
            claimFits(in, 0, "a composite message's count of parts");
            super.readPayload(in);
        }
    }

    static final class BoundedFragmentedMessage extends FragmentedMessage {
        @Override
        public void readPayload(DataInput in) throws IOException {
            claimFits(in, 0, "a fragment");
            super.readPayload(in);
        }
    }
}
