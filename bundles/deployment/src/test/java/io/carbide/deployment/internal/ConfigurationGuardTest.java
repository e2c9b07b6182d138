package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import io.carbide.node.NodeIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;

/**
 * A configuration that came from the manager and is changed or deleted on a worker by anything
 * else (a bundle of the application, an operator's script through ConfigAdmin) is put back.
 */
class ConfigurationGuardTest {

    @TempDir
    Path temp;

    /** ConfigAdmin as far as the deployer and the guard use it: one dictionary per PID. */
    private final Map<String, Dictionary<String, Object>> stored = new HashMap<>();
    /** Every update ConfigAdmin was asked for, by PID: the guard's own writes show here. */
    private final List<String> updates = new ArrayList<>();
    private final ConfigurationAdmin configAdmin = Stand.in(ConfigurationAdmin.class, (method, args) -> switch (method) {
        case "getConfiguration" -> configuration((String) args[0]);
        case "listConfigurations" -> {
            String pid = ((String) args[0]).replaceAll("^\\(service\\.pid=(.*)\\)$", "$1");
            yield stored.containsKey(pid) ? new Configuration[] {configuration(pid)} : null;
        }
        default -> throw new UnsupportedOperationException(method);
    });
    @SuppressWarnings("unchecked")
    private final ServiceReference<ConfigurationAdmin> reference = Stand.in(ServiceReference.class, (method, args) -> null);
    private final BundleContext context = Stand.in(BundleContext.class, (method, args) -> switch (method) {
        case "getService" -> configAdmin;
        case "ungetService" -> true;
        default -> throw new UnsupportedOperationException(method);
    });
    private final NodeIdentity worker = Stand.in(NodeIdentity.class, (method, args) -> switch (method) {
        case "name" -> "w-1";
        default -> throw new UnsupportedOperationException(method);
    });

    private Configuration configuration(String pid) {
        return Stand.in(Configuration.class, (method, args) -> switch (method) {
            case "getPid" -> pid;
            case "getFactoryPid" -> null;
            case "getProperties" -> stored.get(pid);
            case "update" -> {
                updates.add(pid);
                stored.put(pid, new Hashtable<>(copy(args[0])));
                yield null;
            }
            case "delete" -> {
                stored.remove(pid);
                yield null;
            }
            default -> throw new UnsupportedOperationException(method);
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Object dictionary) {
        Map<String, Object> values = new HashMap<>();
        Dictionary<String, Object> d = (Dictionary<String, Object>) dictionary;
        java.util.Collections.list(d.keys()).forEach(key -> values.put(key, d.get(key)));
        return values;
    }

    private ConfigurationDeployer deployed(String greeting) throws Exception {
        ConfigurationDeployer deployer = new ConfigurationDeployer(configAdmin);
        Path content = Files.writeString(temp.resolve("hello.cfg"), "greeting = " + greeting + "\n");
        deployer.deploy(new Artifact("hello.cfg", ArtifactType.CONFIGURATION, 3, "ab", 20, false), content);
        return deployer;
    }

    @Test
    void aReplicatedConfigurationChangedOnTheWorkerIsPutBack() throws Exception {
        ConfigurationGuard guard = new ConfigurationGuard(worker, deployed("Hello, fleet"), context);

        configuration("hello").update(new Hashtable<>(Map.of("greeting", "changed on the worker")));
        guard.configurationEvent(new ConfigurationEvent(reference, ConfigurationEvent.CM_UPDATED, null, "hello"));

        assertEquals("Hello, fleet", stored.get("hello").get("greeting"));
    }

    @Test
    void aReplicatedConfigurationDeletedOnTheWorkerComesBack() throws Exception {
        ConfigurationGuard guard = new ConfigurationGuard(worker, deployed("Hello, fleet"), context);

        configuration("hello").delete();
        guard.configurationEvent(new ConfigurationEvent(reference, ConfigurationEvent.CM_DELETED, null, "hello"));

        assertEquals("Hello, fleet", stored.get("hello").get("greeting"));
    }

    @Test
    void theManagersOwnUpdateAndConfigurationsOfTheWorkerItselfAreLeftAlone() throws Exception {
        ConfigurationDeployer deployer = deployed("Hello, fleet");
        ConfigurationGuard guard = new ConfigurationGuard(worker, deployer, context);

        Path content = Files.writeString(temp.resolve("hello.cfg"), "greeting = Second greeting\n");
        deployer.deploy(new Artifact("hello.cfg", ArtifactType.CONFIGURATION, 4, "cd", 24, false), content);
        int before = updates.size();
        guard.configurationEvent(new ConfigurationEvent(reference, ConfigurationEvent.CM_UPDATED, null, "hello"));
        assertEquals("Second greeting", stored.get("hello").get("greeting"));
        assertEquals(before, updates.size(), "the manager's change is taken as it is: the guard writes nothing");

        configuration("org.example.local").update(new Hashtable<>(Map.of("threads", "4")));
        guard.configurationEvent(new ConfigurationEvent(reference, ConfigurationEvent.CM_UPDATED, null,
                "org.example.local"));
        assertEquals("4", stored.get("org.example.local").get("threads"), "not replicated: not guarded");
        assertEquals(before + 1, updates.size(), "only the worker's own write");
        assertNull(deployer.expected("org.example.local"));
    }
}
