package io.carbide.management.internal;

import io.carbide.management.internal.tls.ManagementKeyStore;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeProperties;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Readiness;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.Socket;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * <p>HTTPS with this node's own key ({@link ManagementKeyStore}) unless
 * {@code carbide.management.secure=false} (for a TLS-terminating proxy in front). It listens on
 * 127.0.0.1 unless {@code carbide.management.host} says otherwise: management nodes belong
 * behind the internal firewall.
 */
@Component(immediate = true, service = NodeStatusContributor.class,
        property = NodeStatusContributor.SECTION_PROPERTY + "=management")
public class ManagementPort implements NodeStatusContributor {

    static final String HTTP_FACTORY_PID = "org.apache.felix.http";
    static final String INSTANCE_NAME = "management";

    private static final Logger LOG = LoggerFactory.getLogger(ManagementPort.class);

    private final Configuration instance;
    private final Thread opener;
    private final NodeIdentity node;
    private volatile boolean open;

    /**
     * The port opens on its own thread: a first start generates the TLS key, which would
     * otherwise hold up every bundle that starts after this one.
     */
    @Activate
    public ManagementPort(@Reference NodeIdentity node, @Reference ConfigurationAdmin configAdmin) throws IOException {
        this.node = node;
        this.instance = configAdmin.getFactoryConfiguration(HTTP_FACTORY_PID, INSTANCE_NAME, "?");
        this.opener = new Thread(this::open, "carbide-management-port");
        opener.setDaemon(true);
        opener.start();
    }

    private void open() {
        try {
            instance.update(settings());
        } catch (IOException | IllegalStateException e) {
            LOG.error("Management port {} could not open on node {}: {}; fix conf/security/ or set {}=false",
                    node.managementPort(), node.name(), e.getMessage(), NodeProperties.MANAGEMENT_SECURE);
        }
    }

    private Hashtable<String, Object> settings() throws IOException {
        Hashtable<String, Object> jetty = new Hashtable<>();
        jetty.put("org.apache.felix.http.name", INSTANCE_NAME);
        String host = node.managementHost();
        jetty.put("org.apache.felix.http.host", host);
        if (node.managementSecure()) {
            ManagementKeyStore keys = ManagementKeyStore.findOrCreate(node.base(), node.name(), host);
            jetty.put("org.apache.felix.http.enable", false);
            jetty.put("org.apache.felix.https.enable", true);
            jetty.put("org.osgi.service.http.port.secure", node.managementPort());
            jetty.put("org.apache.felix.https.keystore", keys.path().toString());
            jetty.put("org.apache.felix.https.keystore.type", "PKCS12");
            jetty.put("org.apache.felix.https.keystore.password", keys.password());
            jetty.put("org.apache.felix.https.keystore.key.password", keys.password());
            jetty.put("org.apache.felix.https.jetty.protocols.included", "TLSv1.3,TLSv1.2");
        } else {
            jetty.put("org.apache.felix.http.enable", true);
            jetty.put("org.osgi.service.http.port", node.managementPort());
            LOG.warn("Management port {}:{} is plain HTTP ({}=false): put a TLS proxy in front of it", host,
                    node.managementPort(), NodeProperties.MANAGEMENT_SECURE);
        }
        return jetty;
    }

    @Override
    public String section() {
        return "management";
    }

    @Override
    public Object status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("url", node.managementUrl());
        status.put("open", isOpen());
        return status;
    }

    /** A manager is ready once its management port accepts connections. */
    @Override
    public Readiness readiness() {
        return isOpen() ? Readiness.ready()
                : Readiness.starting("the management port " + node.managementUrl() + " is not open yet");
    }

    private boolean isOpen() {
        if (!open) {
            try (Socket socket = new Socket()) {
                URI url = URI.create(node.managementUrl());
                socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 250);
                open = true;
                LOG.info("Management port open on {} (console at {}/console/)", node.managementUrl(),
                        node.managementUrl());
            } catch (IOException notYet) {
                return false;
            }
        }
        return true;
    }


    @Deactivate
    void close() throws InterruptedException {
        opener.join(10_000);
        try {
            instance.delete();
        } catch (IOException | IllegalStateException e) {
            LOG.debug("Management port configuration already gone", e);
        }
    }
}
