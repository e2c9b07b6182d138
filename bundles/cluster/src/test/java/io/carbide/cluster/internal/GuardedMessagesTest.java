package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.MessageFactory;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.Bits;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GuardedMessagesTest {

    @BeforeAll
    static void guarded() {
        GuardedMessages.install();
    }

    private static byte[] written(Message message) throws IOException {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
        message.writeTo(out);
        return java.util.Arrays.copyOf(out.buffer(), out.position());
    }

    @Test
    void aMessageAsMembersSendItReadsAsBefore() throws Exception {
        byte[] frame = written(new BytesMessage(null, "hello".getBytes()));
        Message read = MessageFactory.create(Message.BYTES_MSG);
        read.readFrom(new ByteArrayDataInputStream(frame));
        assertArrayEquals("hello".getBytes(), read.getArray());
    }

    @Test
    void aMessageClaimingMoreThanItsFrameHoldsIsRefusedBeforeRoomIsMadeForIt() throws Exception {
        byte[] frame = written(new BytesMessage(null, "hello".getBytes()));
        Bits.writeInt(1 << 30, frame, frame.length - 5 - Integer.BYTES); // the payload's length, as an attacker writes it
        Message read = MessageFactory.create(Message.BYTES_MSG);
        IOException refused = assertThrows(IOException.class, () -> read.readFrom(new ByteArrayDataInputStream(frame)));
        assertEquals("a message claims 1073741824 bytes where its frame holds 5", refused.getMessage());
    }

    @Test
    void aBatchAsMembersSendItFitsAndOneClaimingMillionsOfMessagesDoesNot() throws Exception {
        IpAddress from = new IpAddress("127.0.0.1", 4001);
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(256);
        List<Message> messages = List.of(new BytesMessage(null, "a".getBytes()), new BytesMessage(null, "b".getBytes()));
        Util.writeMessageList(null, from, "carbide".getBytes(), messages, out, false);
        byte[] frame = java.util.Arrays.copyOf(out.buffer(), out.position());
        int batch = 3; // after the version and the flags, which the transport reads first
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(frame, batch, frame.length - batch);
        assertTrue(GuardedMessages.batchFits(in));
        assertEquals(batch, in.position(), "the batch is left to be read from where it starts");
        assertEquals(2, Util.readMessageBatch(in, false)[0].size(), "and reads as JGroups reads it");

        Bits.writeInt(200_000_000, frame, countOffset(frame, batch));
        assertFalse(GuardedMessages.batchFits(new ByteArrayDataInputStream(frame, batch, frame.length - batch)));
    }

    /** Where the batch's count of messages is: after two addresses and the cluster name. */
    private static int countOffset(byte[] frame, int batch) throws Exception {
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(frame, batch, frame.length - batch);
        Util.readAddress(in);
        Util.readAddress(in);
        short name = in.readShort();
        return in.position() + Math.max(0, name);
    }
}
