package io.carbide.management.internal;

import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the management port (9443 + offset) as a second Felix HTTP instance, separate from the
 * client port, and closes it when this bundle stops. Because the port only exists while this
 * manager-role bundle runs, a worker never opens it.
 *
 * <p>It listens on 127.0.0.1 unless {@code carbide.management.host} says otherwise: management
 * nodes belong behind the internal firewall.
 */
@Component(immediate = true)
public class ManagementPort {

    static final String HTTP_FACTORY_PID = "org.apache.felix.http";
    static final String INSTANCE_NAME = "management";
    static final String HOST_PROPERTY = "carbide.management.host";

    private static final Logger LOG = LoggerFactory.getLogger(ManagementPort.class);

    private final Configuration instance;

    @Activate
    public ManagementPort(@Reference NodeIdentity node, @Reference ConfigurationAdmin configAdmin,
            BundleContext context) throws IOException {
        String host = context.getProperty(HOST_PROPERTY);
        host = host == null || host.isBlank() ? "127.0.0.1" : host.trim();
        Hashtable<String, Object> jetty = new Hashtable<>();
        jetty.put("org.apache.felix.http.name", INSTANCE_NAME);
        jetty.put("org.apache.felix.http.host", host);
        jetty.put("org.osgi.service.http.port", node.managementPort());
        jetty.put("org.apache.felix.http.enable", true);
        this.instance = configAdmin.getFactoryConfiguration(HTTP_FACTORY_PID, INSTANCE_NAME, "?");
        this.instance.update(jetty);
        LOG.info("Management port {}:{} open on node {}", host, node.managementPort(), node.name());
    }

    @Deactivate
    void close() {
        try {
            instance.delete();
        } catch (IOException | IllegalStateException e) {
            LOG.debug("Management port configuration already gone", e);
        }
    }
}
