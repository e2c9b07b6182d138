package io.carbide.runtime;

import io.carbide.node.NodeProperties;
import io.carbide.node.Role;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.osgi.framework.Constants;

/**
 * Builds the framework properties of a node, later sources winning: {@code conf/carbide.properties}
 * of the installation, then of the node's base, then the profile's {@code property.X} lines, then
 * {@code -D} flags. The node's identity (name, profile, roles, ports) is always the launcher's
 * own: it follows from the profile and offset, so nothing can contradict it.
 */
public final class FrameworkProperties {

    /** The address the client port listens on; all interfaces when unset. */
    static final String CLIENT_HOST = "carbide.client.host";

    /** -D flags with these prefixes reach the framework, so users can tune any bundle. */
    private static final List<String> PASSED_PREFIXES = List.of("carbide.", "felix.", "org.osgi.", "org.apache.felix.",
            "jgroups.");
    private static final Properties BUILD = loadBuildInfo();

    private FrameworkProperties() {
    }

    public static String productVersion() {
        return BUILD.getProperty("carbide.version", "unknown");
    }

    public static Map<String, String> build(NodeOptions options, Profile profile, Properties system)
            throws LaunchException {
        Map<String, String> props = new LinkedHashMap<>();
        readConf(options.home().resolve("conf/carbide.properties"), props);
        if (!options.base().equals(options.home())) {
            readConf(options.base().resolve("conf/carbide.properties"), props);
        }
        props.putAll(profile.properties());
        for (String key : system.stringPropertyNames()) {
            if (PASSED_PREFIXES.stream().anyMatch(key::startsWith)) {
                props.put(key, system.getProperty(key));
            }
        }

        // who the node is: decided here, from the profile and the options, and nowhere else
        props.put(NodeProperties.NAME, options.nodeName());
        props.put(NodeProperties.PROFILE, profile.name());
        props.put(NodeProperties.ROLES, Role.labels(profile.roles()));
        props.put(NodeProperties.PORT_OFFSET, String.valueOf(options.portOffset()));
        props.put(NodeProperties.HOME, options.home().toString());
        props.put(NodeProperties.BASE, options.base().toString());
        props.put(NodeProperties.VERSION, productVersion());
        int clientPort = NodeProperties.DEFAULT_CLIENT_PORT + options.portOffset();
        props.put(NodeProperties.CLIENT_PORT, String.valueOf(clientPort));
        props.put(NodeProperties.MANAGEMENT_PORT, String.valueOf(NodeProperties.DEFAULT_MANAGEMENT_PORT + options.portOffset()));
        props.put(NodeProperties.CLUSTER_PORT, String.valueOf(NodeProperties.DEFAULT_CLUSTER_PORT + options.portOffset()));

        // the client port is the node's main HTTP instance; on every interface unless carbide.client.host
        // says otherwise, since it serves the load balancer
        props.put("org.osgi.service.http.port", String.valueOf(clientPort));
        String clientHost = props.get(CLIENT_HOST);
        if (clientHost != null && !clientHost.isBlank()) {
            props.put("org.apache.felix.http.host", clientHost.strip());
        }
        props.putIfAbsent("org.apache.felix.http.name", "client");

        props.put(Constants.FRAMEWORK_STORAGE, options.dataDir().resolve("cache").toString());
        if (options.cleanCache()) {
            props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        }
        // SLF4J lives on the launcher's class path so logging works before the first bundle starts;
        // com.sun.management (the JDK's process CPU and memory figures) is for the metrics bundle
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, slf4jPackages() + ",com.sun.management");

        props.putIfAbsent("felix.fileinstall.dir", options.deployDir().toString());
        props.putIfAbsent("felix.fileinstall.tmpdir", options.dataDir().resolve("tmp").toString());
        props.putIfAbsent("felix.fileinstall.poll", "100");
        props.putIfAbsent("felix.fileinstall.noInitialDelay", "true");
        // File Install follows the folder through the JDK's file-system watcher (its default), which
        // loses events in a burst of changes; the manager's DeployFolder sweep records what it
        // misses. Its other scanner (felix.fileinstall.disableNio2) misses nothing, but lists the
        // folder every poll: 9% of a core on an idle manager holding 1,000 files, against under 1%
        props.putIfAbsent("felix.fileinstall.bundles.new.start", "true");
        return props;
    }

    public static String slf4jPackages() {
        String version = BUILD.getProperty("slf4j.version");
        StringBuilder packages = new StringBuilder();
        for (String pkg : List.of("org.slf4j", "org.slf4j.spi", "org.slf4j.event", "org.slf4j.helpers")) {
            if (packages.length() > 0) {
                packages.append(',');
            }
            packages.append(pkg).append(";version=").append(version);
        }
        return packages.toString();
    }

    private static void readConf(Path file, Map<String, String> into) throws LaunchException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        Properties conf = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            conf.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new LaunchException("Cannot read " + file + ": " + e.getMessage() + "; fix the file (key = value lines)");
        }
        for (String key : conf.stringPropertyNames()) {
            into.put(key, conf.getProperty(key).strip());
        }
    }

    private static Properties loadBuildInfo() {
        Properties info = new Properties();
        try (InputStream in = FrameworkProperties.class.getResourceAsStream("/carbide-runtime.properties")) {
            if (in != null) {
                info.load(in);
            }
        } catch (IOException ignored) {
            // version shows as "unknown"
        }
        return info;
    }
}
