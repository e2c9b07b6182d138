package io.carbide.cluster.internal;

import java.util.Collection;
import java.util.concurrent.RejectedExecutionException;
import org.jgroups.Address;
import org.jgroups.blocks.cs.NioServer;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.FD_SOCK2;

/**
 * JGroups' FD_SOCK2 (failure detection over a TCP connection to each neighbour), with a bound on
 * what a connection may claim to send. FD_SOCK2 leaves that bound off, so a few garbage
 * connections to the failure-detection port, bytes that happen to read as a huge length, made
 * the node allocate until it died of an OutOfMemoryError (found by ClusterHardeningTest's flood).
 * Its own messages are a few hundred bytes; anything longer ends that connection instead.
 */
public class GuardedFdSock2 extends FD_SOCK2 {

    /** Far above anything FD_SOCK2 sends, far below what hurts a heap. */
    static final int MAX_MESSAGE_BYTES = 64 * 1024;

    public GuardedFdSock2() {
        // JGroups numbers protocols by class; this one speaks FD_SOCK2's headers, so it takes its number
        // (and a node of an earlier build, with plain FD_SOCK2, understands it)
        this.id = ClassConfigurator.getProtocolId(FD_SOCK2.class);
    }

    /**
     * A suspicion that arrives while the node stops finds VERIFY_SUSPECT2 above stopped already
     * (JGroups stops a stack from the top): its refusal went up as an ERROR in the log of an
     * ordinary stop. Nothing is left to verify then.
     */
    @Override
    protected void suspect(Collection<Address> suspects) {
        try {
            super.suspect(suspects);
        } catch (RejectedExecutionException stopping) {
            log.debug("suspicion of %s not verified: the node is stopping", suspects);
        }
    }

    @Override
    protected NioServer createServer(int[] ports) {
        NioServer server = super.createServer(ports);
        if (server != null) {
            server.setMaxLength(MAX_MESSAGE_BYTES);
        }
        return server;
    }
}
