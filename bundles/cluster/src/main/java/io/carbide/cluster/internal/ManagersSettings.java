package io.carbide.cluster.internal;

import io.carbide.node.NodeIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;

/**
 * The managers' consensus settings of a manager, from framework properties:
 *
 * <ul>
 * <li>{@code carbide.managers}: the managers that vote, by node name, e.g. {@code mgr-1,mgr-2,mgr-3};
 *     default: this manager alone. Three is the usual choice: it stays writable with one down.</li>
 * <li>{@code carbide.managers.port}: the port of the managers' own channel, default 4500 + offset
 *     (its failure detection listens on that + 100), bound like the cluster port</li>
 * <li>{@code carbide.managers.recover}: {@code true} starts a new consensus from this manager's
 *     committed history: the explicit recovery when a majority is lost for good</li>
 * </ul>
 */
record ManagersSettings(String self, List<String> members, String bindAddress, int port, Path stackFile, Path dataDir,
        String channelName, boolean recover, boolean allowWeakSecret) {

    static final int DEFAULT_PORT = io.carbide.node.NodeProperties.DEFAULT_MANAGERS_PORT;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    static ManagersSettings from(BundleContext context, NodeIdentity node, ClusterSettings cluster) {
        String listed = property(context, "carbide.managers", node.name());
        List<String> members = Arrays.stream(listed.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct()
                .toList();
        for (String member : members) {
            if (!NAME.matcher(member).matches()) {
                throw new IllegalArgumentException("carbide.managers '" + listed + "' holds '" + member + "', which is "
                        + "not a node name; list the managers' -Dnode names, e.g. mgr-1,mgr-2,mgr-3");
            }
        }
        if (!members.contains(node.name())) {
            throw new IllegalArgumentException("carbide.managers '" + listed + "' does not name this manager ("
                    + node.name() + "); list every voting manager, this one included");
        }
        int port = port(context, node);
        Path own = node.base().resolve("conf/cluster/managers.xml");
        Path stack = Files.isRegularFile(own) ? own : node.home().resolve("conf/cluster/managers.xml");
        return new ManagersSettings(node.name(), members, cluster.bindAddress(), port, stack,
                node.base().resolve("data/managers"), cluster.domain() + "-managers",
                Boolean.parseBoolean(property(context, "carbide.managers.recover", "false")), cluster.allowWeakSecret());
    }

    /** The port of a manager's managers' channel. */
    static int port(BundleContext context, NodeIdentity node) {
        String value = property(context, "carbide.managers.port", String.valueOf(DEFAULT_PORT + node.portOffset()));
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("carbide.managers.port '" + value + "' is not a port number");
        }
    }


    private static String property(BundleContext context, String key, String fallback) {
        String value = context.getProperty(key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
