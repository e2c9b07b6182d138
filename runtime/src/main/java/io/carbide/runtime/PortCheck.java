package io.carbide.runtime;

import io.carbide.node.NodeProperties;
import io.carbide.node.Role;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks, before anything starts, that the node's ports are free. Jetty and JGroups would
 * otherwise fail later, in the background, and leave a node that runs but cannot serve; the
 * usual cause is another node on the same port offset.
 */
final class PortCheck {

    private PortCheck() {
    }

    static void requireFree(NodeOptions options, Profile profile) throws LaunchException {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("client HTTP", NodeProperties.DEFAULT_CLIENT_PORT + options.portOffset());
        if (profile.roles().contains(Role.MANAGER)) {
            ports.put("management", NodeProperties.DEFAULT_MANAGEMENT_PORT + options.portOffset());
        }
        ports.put("cluster", NodeProperties.DEFAULT_CLUSTER_PORT + options.portOffset());
        if (profile.roles().contains(Role.MANAGER)) {
            ports.put("managers' consensus", NodeProperties.DEFAULT_MANAGERS_PORT + options.portOffset());
        }
        for (Map.Entry<String, Integer> port : ports.entrySet()) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port.getValue()));
            } catch (IOException inUse) {
                throw new LaunchException("Port " + port.getValue() + " (" + port.getKey() + ", 9763/9443/4000/4500 + offset "
                        + options.portOffset() + ") is already in use, probably by another node with -DportOffset="
                        + options.portOffset() + " or one 100 to 600 apart (a node also listens on 4100, 4200 and 4600 "
                        + "+ its offset); give this node another -DportOffset=N");
            }
        }
    }
}
