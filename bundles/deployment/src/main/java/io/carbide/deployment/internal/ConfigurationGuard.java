package io.carbide.deployment.internal;

import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a read-only node, configuration comes from the manager only. When a configuration that came
 * through replication is changed or deleted here by anything else, the guard puts the replicated
 * content back and logs that the change was refused.
 */
final class ConfigurationGuard implements ConfigurationListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigurationGuard.class);
    /** Properties ConfigAdmin and File Install add by themselves. */
    private static final Set<String> BOOKKEEPING = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, "felix.fileinstall.filename");

    private final NodeIdentity node;
    private final ConfigurationDeployer deployer;
    private final BundleContext context;

    ConfigurationGuard(NodeIdentity node, ConfigurationDeployer deployer, BundleContext context) {
        this.node = node;
        this.deployer = deployer;
        this.context = context;
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        Dictionary<String, Object> expected = deployer.expected(event.getPid());
        if (expected == null) {
            return;
        }
        ServiceReference<ConfigurationAdmin> reference = event.getReference();
        ConfigurationAdmin configAdmin = context.getService(reference);
        if (configAdmin == null) {
            return;
        }
        try {
            Configuration configuration = event.getFactoryPid() == null
                    ? configAdmin.getConfiguration(event.getPid(), "?")
                    : findFactoryConfiguration(configAdmin, event.getPid());
            if (configuration == null) {
                return;
            }
            if (event.getType() == ConfigurationEvent.CM_DELETED || !same(configuration.getProperties(), expected)) {
                LOG.warn("Refused a change to configuration {} on read-only node {}: its configuration comes from the "
                        + "manager; change it there. The replicated values are back in place", event.getPid(),
                        node.name());
                configuration.update(expected);
            }
        } catch (IOException | org.osgi.framework.InvalidSyntaxException | IllegalStateException e) {
            LOG.warn("Could not restore configuration {} on node {}: {}", event.getPid(), node.name(), e.toString());
        } finally {
            context.ungetService(reference);
        }
    }

    private static Configuration findFactoryConfiguration(ConfigurationAdmin configAdmin, String pid)
            throws IOException, org.osgi.framework.InvalidSyntaxException {
        Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
        return found == null || found.length == 0 ? null : found[0];
    }

    private static boolean same(Dictionary<String, Object> actual, Dictionary<String, Object> expected) {
        return withoutBookkeeping(actual).equals(withoutBookkeeping(expected));
    }

    private static Map<String, Object> withoutBookkeeping(Dictionary<String, Object> properties) {
        Map<String, Object> values = new HashMap<>();
        if (properties != null) {
            for (String key : Collections.list(properties.keys())) {
                if (!BOOKKEEPING.contains(key)) {
                    Object value = properties.get(key);
                    values.put(key, value instanceof Object[] array ? java.util.Arrays.asList(array) : value);
                }
            }
        }
        return values;
    }
}
