package io.carbide.node.internal;

import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeLifecycle;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Readiness;
import io.carbide.node.Role;
import java.util.ArrayList;
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
     * The node's state for client traffic: {@code draining} while it stops, {@code starting} until
     * the framework has started every bundle (the system bundle turns ACTIVE only then), else the
     * most severe state of the parts that report into it.
     */
    static Readiness readiness(BundleContext context, NodeLifecycle lifecycle, List<NodeStatusContributor> contributors) {
        if (lifecycle.isDraining()) {
            return Readiness.draining("the node is stopping");
        }
        if (context.getBundle(0).getState() != Bundle.ACTIVE) {
            return Readiness.starting("the node is starting its bundles");
        }
        List<Readiness> parts = new ArrayList<>();
        for (NodeStatusContributor contributor : contributors) {
            try {
                parts.add(contributor.readiness());
            } catch (RuntimeException e) {
                parts.add(Readiness.starting(contributor.section() + " cannot tell its state: " + e.getMessage()));
            }
        }
        return Readiness.combine(parts);
    }

    /** The keys both reports carry for the state: {@code ready}, {@code state}, {@code reason}. */
    static void putState(Map<String, Object> report, Readiness readiness) {
        report.put("ready", readiness.isReady());
        report.put("state", readiness.state().label());
        report.put("reason", readiness.reason());
    }
}
