package io.carbide.node.internal;

import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeProperties;
import io.carbide.node.Role;
import java.nio.file.Path;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The node's identity, read once from the framework properties the launcher set from the
 * profile. A framework started without them (a bare test framework) is a standalone default node.
 */
@Component(service = NodeIdentity.class)
public class FrameworkNodeIdentity implements NodeIdentity {

    private final String name;
    private final String profile;
    private final Set<Role> roles;
    private final int portOffset;
    private final int clientPort;
    private final int managementPort;
    private final int clusterPort;
    private final Path home;
    private final Path base;
    private final String version;
    private final String managementHost;
    private final boolean managementSecure;

    @Activate
    public FrameworkNodeIdentity(BundleContext context) {
        this.profile = property(context, NodeProperties.PROFILE, "default");
        this.roles = Role.ofHeader(property(context, NodeProperties.ROLES, "worker,manager"));
        this.portOffset = Integer.parseInt(property(context, NodeProperties.PORT_OFFSET, "0"));
        this.name = property(context, NodeProperties.NAME, profile + "-" + portOffset);
        this.clientPort = Integer.parseInt(property(context, NodeProperties.CLIENT_PORT,
                String.valueOf(NodeProperties.DEFAULT_CLIENT_PORT + portOffset)));
        this.managementPort = Integer.parseInt(property(context, NodeProperties.MANAGEMENT_PORT,
                String.valueOf(NodeProperties.DEFAULT_MANAGEMENT_PORT + portOffset)));
        this.clusterPort = Integer.parseInt(property(context, NodeProperties.CLUSTER_PORT,
                String.valueOf(NodeProperties.DEFAULT_CLUSTER_PORT + portOffset)));
        this.base = Path.of(property(context, NodeProperties.BASE, System.getProperty("user.dir")))
                .toAbsolutePath();
        this.home = Path.of(property(context, NodeProperties.HOME, base.toString())).toAbsolutePath();
        this.version = property(context, NodeProperties.VERSION,
                context.getBundle().getVersion().toString());
        this.managementHost = property(context, NodeProperties.MANAGEMENT_HOST, "127.0.0.1");
        this.managementSecure = !"false".equalsIgnoreCase(property(context, NodeProperties.MANAGEMENT_SECURE, "true"));
    }

    private static String property(BundleContext context, String key, String fallback) {
        String value = context.getProperty(key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    @Override public String name() { return name; }
    @Override public String profile() { return profile; }
    @Override public Set<Role> roles() { return roles; }
    @Override public int portOffset() { return portOffset; }
    @Override public int clientPort() { return clientPort; }
    @Override public int managementPort() { return managementPort; }
    @Override public String managementHost() { return managementHost; }
    @Override public boolean managementSecure() { return managementSecure; }
    @Override public int clusterPort() { return clusterPort; }
    @Override public Path home() { return home; }
    @Override public Path base() { return base; }
    @Override public String version() { return version; }

    @Override
    public String toString() {
        return name + " (" + profile + ", " + (isReadOnly() ? "read-only" : "read-write") + ")";
    }
}
