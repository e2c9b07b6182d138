package io.carbide.management.internal;

import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.management.internal.lb.LoadBalancerSettings;
import io.carbide.management.internal.tls.ManagementKeyStore;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeProperties;
import io.carbide.node.NodeStatusContributor;
import io.carbide.node.Readiness;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
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

    private final ConfigurationAdmin configAdmin;
    private final NodeIdentity node;
    /** Opens and closes the port in the order asked, off the caller's thread (a first start generates the TLS key). */
    private final ExecutorService opener = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "carbide-management-port");
        thread.setDaemon(true);
        return thread;
    });
    private volatile ManagementSecurity security;
    private volatile boolean open;

    @Activate
    public ManagementPort(@Reference NodeIdentity node, @Reference ConfigurationAdmin configAdmin) {
        this.node = node;
        this.configAdmin = configAdmin;
    }

    /**
     * The port opens only once its security boundary (and the users and sessions it needs) is
     * there, and closes if it goes: it is never open without authentication.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindSecurity(ManagementSecurity security) {
        this.security = security;
        opener.execute(this::open);
    }

    void unbindSecurity(ManagementSecurity gone) {
        if (security == gone) {
            security = null;
            opener.execute(this::close);
        }
    }

    private void open() {
        if (security == null) {
            return;
        }
        try {
            instance().update(settings());
        } catch (IOException | IllegalStateException e) {
            LOG.error("Management port {} could not open on node {}: {}; fix conf/security/ or set {}=false",
                    node.managementPort(), node.name(), e.getMessage(), NodeProperties.MANAGEMENT_SECURE);
        }
    }

    private void close() {
        try {
            instance().delete();
        } catch (IOException | IllegalStateException e) {
            LOG.debug("Management port configuration already gone", e);
        }
        open = false;
        if (security == null) {
            LOG.error("Management port {} closed on node {}: its users or sessions are not available (see the lines "
                    + "above); fix conf/users.properties and restart the node", node.managementPort(), node.name());
        }
    }

    private Configuration instance() throws IOException {
        return configAdmin.getFactoryConfiguration(HTTP_FACTORY_PID, INSTANCE_NAME, "?");
    }

    private Hashtable<String, Object> settings() throws IOException {
        Hashtable<String, Object> jetty = new Hashtable<>();
        jetty.put("org.apache.felix.http.name", INSTANCE_NAME);
        String host = node.managementHost();
        jetty.put("org.apache.felix.http.host", host);
        if (node.managementSecure()) {
            // a load balancer routing by name (SNI) hands the client this certificate: it must carry that name
            ManagementKeyStore keys = ManagementKeyStore.findOrCreate(node.base(), node.name(), host,
                    System.getProperty(LoadBalancerSettings.MANAGEMENT_HOST));
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
        if (security == null) {
            return Readiness.starting("the management port " + node.managementUrl() + " stays closed until its users "
                    + "and sessions are available (see the log)");
        }
        return isOpen() ? Readiness.ready()
                : Readiness.starting("the management port " + node.managementUrl() + " is not open yet");
    }

    private boolean isOpen() {
        if (security == null) {
            return false;
        }
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
    void deactivate() throws InterruptedException {
        security = null;
        opener.execute(() -> {
            try {
                instance().delete();
            } catch (IOException | IllegalStateException e) {
                LOG.debug("Management port configuration already gone", e);
            }
        });
        opener.shutdown();
        opener.awaitTermination(10, TimeUnit.SECONDS);
    }
}
