package io.carbide.cluster.internal;

import java.lang.reflect.Field;
import org.jgroups.PhysicalAddress;
import org.jgroups.blocks.cs.BaseServer;
import org.jgroups.protocols.TCP;

/**
 * Asks JGroups' TCP transport whether it already holds an established connection to an address.
 * TCP keeps its server in a protected field with no getter; the JGroups version is fixed by this
 * bundle (it embeds it), and if the field ever goes, the answer is "no", which only means a
 * refusal is not sent.
 */
final class TcpConnections {

    private static final Field SERVER = find();

    private TcpConnections() {
    }

    static boolean established(TCP transport, PhysicalAddress to) {
        if (SERVER == null || to == null) {
            return false;
        }
        try {
            return SERVER.get(transport) instanceof BaseServer server && server.connectionEstablishedTo(to);
        } catch (IllegalAccessException | RuntimeException e) {
            return false;
        }
    }

    private static Field find() {
        try {
            Field field = TCP.class.getDeclaredField("srv");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException | RuntimeException e) {
            return null;
        }
    }
}
