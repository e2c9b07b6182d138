package io.carbide.cluster.internal;

import java.time.Duration;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.stack.ProtocolStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, when a member in the view left a request unanswered, what the path to it looked like: its
 * address, whether a connection to it is open, how many messages to it wait for an acknowledgement
 * and how much flow-control credit is left for it. A member that answers others but not this node
 * has a broken path, not a busy handler; without these figures the two look alike. At most once a
 * minute per member.
 */
final class UnansweredRequests {

    private static final Logger LOG = LoggerFactory.getLogger(UnansweredRequests.class);

    private final BadTrafficLog log = new BadTrafficLog(LOG, 60_000);

    /** Called on the JVM's shared timer thread: takes no lock for long and never throws. */
    void timedOut(JChannel channel, Address to, String member, String type, Duration timeout) {
        log.report(member, () -> "No answer from " + member + " to a " + type + " request within "
                + timeout.toMillis() + " ms; the path to it: " + describedPath(channel, to));
    }

    /** The path both ways ({@link #path}, {@link #received}), or why it is not known; never throws. */
    static String describedPath(JChannel channel, Address to) {
        try {
            return path(channel, to) + received(channel, to);
        } catch (RuntimeException closing) {
            return "not known (" + closing + ")";
        }
    }

    static String path(JChannel channel, Address to) {
        if (channel == null || !channel.isConnected()) {
            return "this node is not connected";
        }
        View view = channel.getView();
        if (view == null || !view.containsMember(to)) {
            return "it is no longer in this node's view";
        }
        ProtocolStack stack = channel.getProtocolStack();
        Object physical = channel.down(new Event(Event.GET_PHYSICAL_ADDRESS, to));
        StringBuilder path = new StringBuilder(physical == null ? "no physical address known" : "at " + physical);
        if (stack.getTransport() instanceof TCP tcp && physical instanceof PhysicalAddress address) {
            path.append(TcpConnections.established(tcp, address) ? ", a connection open" : ", no connection open");
        }
        UNICAST3 unicast = stack.findProtocol(UNICAST3.class);
        if (unicast != null) {
            int unacked = unicast.getNumUnackedMessages(to);
            path.append(", ").append(unacked).append(unacked == 1 ? " message" : " messages").append(" to it not acknowledged");
        }
        UFC flow = stack.findProtocol(UFC.class);
        if (flow != null) {
            path.append(", ").append(flow.getSenderCreditsFor(to)).append(" bytes of flow-control credit left for it");
        }
        return path.toString();
    }

    /**
     * UNICAST3's connection entries for a member, both ways (sent and acknowledged, delivered and
     * waiting in its window), and whether messages from it wait for their turn in the transport's
     * one-thread-per-sender delivery.
     */
    static String received(JChannel channel, Address from) {
        if (channel == null || !channel.isConnected()) {
            return "";
        }
        StringBuilder received = new StringBuilder();
        String name = String.valueOf(from);
        UNICAST3 unicast = channel.getProtocolStack().findProtocol(UNICAST3.class);
        if (unicast != null) {
            linesNaming(unicast.printConnections(), name, "; UNICAST3 (sending, then receiving): ", received);
        }
        if (channel.getProtocolStack().getTransport().getMessageProcessingPolicy()
                instanceof org.jgroups.util.MaxOneThreadPerSender perSender) {
            linesNaming(perSender.dump(), name, "; delivery queue: ", received);
        }
        return received.toString();
    }

    private static void linesNaming(String dump, String name, String label, StringBuilder into) {
        // each entry starts with the member's name and a colon: w-1 must not take in w-10's entries
        String lines = dump.lines().map(String::strip).filter(line -> line.startsWith(name + ":"))
                .collect(java.util.stream.Collectors.joining(" | "));
        if (!lines.isEmpty()) {
            into.append(label).append(lines.length() > 600 ? lines.substring(0, 600) + "..." : lines);
        }
    }
}
