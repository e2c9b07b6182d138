package io.carbide.node;

import java.nio.file.Path;
import java.util.Set;

/**
 * Who this node is, as decided once by the launcher from its profile. Registered as a service so
 * that every bundle reads the same answer.
 *
 * <p>There is deliberately no separate read-only switch: a node is read-only exactly when its
 * profile lacks the manager role.
 */
public interface NodeIdentity {

    /** The node's name, unique in its cluster, e.g. {@code worker-2}. */
    String name();

    /** The profile the node was started with, e.g. {@code worker}. */
    String profile();

    /** The roles the profile gives this node; never empty. */
    Set<Role> roles();

    default boolean hasRole(Role role) {
        return roles().contains(role);
    }

    /** True on nodes without the manager role: they only receive artifacts and configuration. */
    default boolean isReadOnly() {
        return !hasRole(Role.MANAGER);
    }

    /** The shift applied to every port of this node. */
    int portOffset();

    /** Client HTTP port (9763 + offset). */
    int clientPort();

    /** Management HTTPS port (9443 + offset); only open on nodes with the manager role. */
    int managementPort();

    /** The address the management port listens on: 127.0.0.1 unless configured. */
    String managementHost();

    /** Whether the management port speaks HTTPS (the default) rather than plain HTTP. */
    boolean managementSecure();

    /**
     * Where operators reach this node's management API and console, e.g.
     * {@code https://127.0.0.1:9444}; empty on a node without the manager role.
     */
    default String managementUrl() {
        if (isReadOnly()) {
            return "";
        }
        String host = managementHost().equals("0.0.0.0") ? "127.0.0.1" : managementHost();
        return (managementSecure() ? "https://" : "http://") + host + ":" + managementPort();
    }

    /**
     * Whiteboard target filter ({@code osgi.http.whiteboard.target}) that puts a servlet on the
     * client port only, never on the management port.
     */
    default String clientHttpTarget() {
        // the management instance may carry the client's plain port among its properties (inherited
        // from the framework's), so it is ruled out by its own port and name
        return "(&(org.osgi.service.http.port=" + clientPort() + ")(!(org.osgi.service.http.port.secure="
                + managementPort() + "))(!(org.apache.felix.http.name=management)))";
    }

    /**
     * The whiteboard context of the management port, whose security check every management
     * servlet passes through: select it with {@link #MANAGEMENT_CONTEXT_SELECT}.
     */
    String MANAGEMENT_CONTEXT = "carbide.management";
    String MANAGEMENT_CONTEXT_SELECT = "(osgi.http.whiteboard.context.name=" + MANAGEMENT_CONTEXT + ")";

    /**
     * Whiteboard target filter that puts a servlet on the management port only, whether it serves
     * HTTPS (the default) or plain HTTP.
     */
    default String managementHttpTarget() {
        return "(|(org.osgi.service.http.port=" + managementPort() + ")(org.osgi.service.http.port.secure="
                + managementPort() + "))";
    }

    /** Cluster port (4000 + offset). */
    int clusterPort();

    /** The installation folder: {@code conf/}, {@code system/}, {@code profiles/}, shared by its nodes. */
    Path home();

    /** The node's own folder, holding its {@code data/}, {@code deploy/}, {@code logs/}. */
    Path base();

    /** The product version, e.g. {@code 0.1.0}. */
    String version();
}
