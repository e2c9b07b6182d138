package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.cm.file.ConfigurationHandler;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Deploys configurations into ConfigAdmin, named as Felix File Install names them: {@code PID.cfg}
 * is the configuration PID; {@code FACTORY-NAME.cfg} is the factory configuration NAME of FACTORY.
 * {@code .cfg} files are properties; {@code .config} files are Felix's typed format. Each carries
 * {@value #ARTIFACT_PROPERTY} so its origin shows in any configuration listing.
 */
final class ConfigurationDeployer implements Deployer {

    static final String ARTIFACT_PROPERTY = "carbide.artifact";

    private final ConfigurationAdmin configAdmin;
    /** What each configuration this node deployed should hold, by PID: the guard compares against it. */
    private final Map<String, Dictionary<String, Object>> expected = new ConcurrentHashMap<>();
    private final Map<String, String> pidOfArtifact = new ConcurrentHashMap<>();

    ConfigurationDeployer(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    @Override
    public ArtifactState deploy(Artifact artifact, Path content) {
        try {
            Dictionary<String, Object> properties = read(artifact.name(), content);
            properties.put(ARTIFACT_PROPERTY, artifact.name());
            Configuration configuration = configuration(artifact.name());
            expected.put(configuration.getPid(), properties);
            pidOfArtifact.put(artifact.name(), configuration.getPid());
            configuration.update(properties);
            return Deployer.state(artifact, ArtifactState.ACTIVE);
        } catch (IOException | RuntimeException e) {
            return Deployer.failed(artifact, "configuration " + artifact.name() + ": " + e.getMessage());
        }
    }

    @Override
    public void undeploy(Artifact artifact) {
        String pid = pidOfArtifact.remove(artifact.name());
        if (pid != null) {
            expected.remove(pid);
        }
        try {
            configuration(artifact.name()).delete();
        } catch (IOException | IllegalStateException ignored) {
            // already gone
        }
    }

    /**
     * Whether ConfigAdmin holds exactly the properties this node deployed for the artifact (the
     * framework's own keys, such as {@code service.pid}, aside).
     */
    @Override
    public boolean intact(Artifact artifact) throws IOException {
        String pid = pidOfArtifact.get(artifact.name());
        Dictionary<String, Object> wanted = pid == null ? null : expected.get(pid);
        if (wanted == null) {
            return true; // not deployed here (yet): nothing to compare
        }
        Configuration[] found;
        try {
            found = configAdmin.listConfigurations("(" + org.osgi.framework.Constants.SERVICE_PID + "=" + pid + ")");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            return false;
        }
        Dictionary<String, Object> actual = found == null || found.length == 0 ? null : found[0].getProperties();
        if (actual == null) {
            return false;
        }
        java.util.Set<String> bookkeeping = java.util.Set.of(org.osgi.framework.Constants.SERVICE_PID,
                ConfigurationAdmin.SERVICE_FACTORYPID, ConfigurationAdmin.SERVICE_BUNDLELOCATION,
                "felix.fileinstall.filename");
        java.util.Set<String> keys = new java.util.HashSet<>(java.util.Collections.list(actual.keys()));
        keys.removeAll(bookkeeping);
        java.util.Set<String> wantedKeys = new java.util.HashSet<>(java.util.Collections.list(wanted.keys()));
        wantedKeys.removeAll(bookkeeping); // a file may carry them too; ConfigAdmin sets its own
        if (!keys.equals(wantedKeys)) {
            return false;
        }
        for (String key : keys) {
            if (!java.util.Objects.deepEquals(actual.get(key), wanted.get(key))) {
                return false;
            }
        }
        return true;
    }

    /** The properties this node deployed under a PID, or null when the PID is not one of its artifacts. */
    Dictionary<String, Object> expected(String pid) {
        return expected.get(pid);
    }

    Configuration configuration(String artifactName) throws IOException {
        String base = artifactName.substring(0, artifactName.lastIndexOf('.'));
        int dash = base.indexOf('-');
        return dash > 0
                ? configAdmin.getFactoryConfiguration(base.substring(0, dash), base.substring(dash + 1), "?")
                : configAdmin.getConfiguration(base, "?");
    }

    @SuppressWarnings("unchecked")
    static Dictionary<String, Object> read(String name, Path content) throws IOException {
        if (name.endsWith(".config")) {
            try (InputStream in = Files.newInputStream(content)) {
                return (Dictionary<String, Object>) (Dictionary<?, ?>) ConfigurationHandler.read(in);
            }
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(content, StandardCharsets.ISO_8859_1)) {
            properties.load(in);
        }
        Hashtable<String, Object> dictionary = new Hashtable<>();
        properties.stringPropertyNames().forEach(key -> dictionary.put(key, properties.getProperty(key).strip()));
        return dictionary;
    }
}
