package io.carbide.node.internal;

import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The node's self-description shared by {@code status.sh --json} and {@code /health}, so that
 * the two never disagree on who the node is or whether it is ready.
 */
final class NodeReport {

    private NodeReport() {
    }

    /** Name, profile, roles and mode: the first keys of both reports. */
    static Map<String, Object> identity(NodeIdentity node) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("node", node.name());
        report.put("profile", node.profile());
        report.put("roles", node.roles().stream().map(Role::label).toList());
        report.put("readOnly", node.isReadOnly());
        return report;
    }

    /** The ports this node opens; the management port only where the manager role is. */
    static Map<String, Object> ports(NodeIdentity node) {
        Map<String, Object> ports = new LinkedHashMap<>();
        ports.put("offset", node.portOffset());
        ports.put("client", node.clientPort());
        if (node.hasRole(Role.MANAGER)) {
            ports.put("management", node.managementPort());
        }
        ports.put("cluster", node.clusterPort());
        return ports;
    }

    /**
     * A node is ready once the framework has finished starting every bundle (the system bundle
     * turns ACTIVE only then) and every part that reports into it is ready.
     */
    static boolean ready(BundleContext context, List<NodeStatusContributor> contributors) {
        return context.getBundle(0).getState() == Bundle.ACTIVE
                && contributors.stream().allMatch(NodeStatusContributor::isReady);
    }
}
