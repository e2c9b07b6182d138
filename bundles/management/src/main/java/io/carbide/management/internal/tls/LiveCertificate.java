package io.carbide.management.internal.tls;

import io.carbide.management.internal.lb.LoadBalancerSettings;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the running management port a new key without a restart: after {@code bin/carbide cert
 * renew} or {@code cert install}, and when an operator (or a script such as an ACME client's hook)
 * replaces {@code conf/security/management.p12} by hand, which it looks for every
 * {@value #WATCH_SECONDS} s. New TLS connections get the new certificate; open ones keep theirs.
 * It also renews a self-signed certificate {@code carbide.management.certificateRenewDays} (30)
 * days before it expires, and warns daily about a CA-issued one that close to its end.
 *
 * <p>Felix's Jetty has no setting that reloads a key store, and changing its configuration
 * restarts the whole port. So this registers a Felix {@link ConnectorFactory}, which is handed the
 * {@link Server} of every Felix Jetty instance once it has started: in the management instance it
 * finds the TLS connector on the management port and keeps Jetty's {@link SslContextFactory},
 * whose {@code reload} swaps the key for new connections. A factory must return a connector; it
 * returns an {@link InertConnector}, which listens nowhere.
 */
@Component(immediate = true, service = {ConnectorFactory.class, LiveCertificate.class, NodeStatusContributor.class},
        property = NodeStatusContributor.SECTION_PROPERTY + "=certificate")
public final class LiveCertificate implements ConnectorFactory, NodeStatusContributor {

    static final int WATCH_SECONDS = 5;
    private static final Duration EXPIRY_CHECK = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger(LiveCertificate.class);

    private final NodeIdentity node;
    private final Path folder;
    private final Duration renewBefore;
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-management-certificate");
        thread.setDaemon(true);
        return thread;
    });
    private volatile SslContextFactory.Server live;
    /** The Jetty server {@link #live} belongs to: when Felix stops it, the context goes with it. */
    private volatile Server liveServer;
    /** The key store Jetty serves now, once this has handed it one: what a failed swap goes back to. */
    private KeyStore inUse;
    /**
     * The certificate the port serves, for the status: the one this handed over last, or the key
     * store file's, which the port read at its opening; null until either is known.
     */
    private volatile X509Certificate serving;
    /** The key store and password files as last handed to the port (or found at start), and at the last look. */
    private String applied = "";
    private String seen = "";
    /** Why the key store last found in the folder is not served, for the log (once) and the status; empty when it is. */
    private volatile String lastProblem = "";
    private Instant lastExpiryCheck = Instant.EPOCH;
    private Instant lastExpiryWarning = Instant.EPOCH;

    @Activate
    public LiveCertificate(@Reference NodeIdentity node, BundleContext context) {
        this.node = node;
        this.folder = node.base().resolve("conf/security");
        String days = context.getProperty("carbide.management.certificateRenewDays");
        int renewDays = 30;
        try {
            renewDays = days == null || days.isBlank() ? 30 : Integer.parseInt(days.strip());
        } catch (NumberFormatException e) {
            LOG.error("carbide.management.certificateRenewDays={} is not a number of days; renewing 30 days ahead", days);
        }
        this.renewBefore = Duration.ofDays(Math.max(1, renewDays));
        applied = stamp();
        seen = applied;
        if (node.managementSecure()) {
            watcher.scheduleWithFixedDelay(this::tend, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Deactivate
    void deactivate() {
        watcher.shutdownNow();
    }

    // ---- Felix's Jetty hands over its servers

    @Override
    public Connector createConnector(Server server) {
        ServerConnector model = null;
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector listening) {
                model = model == null ? listening : model;
                SslConnectionFactory tls = listening.getPort() == node.managementPort()
                        ? listening.getConnectionFactory(SslConnectionFactory.class) : null;
                if (tls != null && tls.getSslContextFactory() != null) {
                    synchronized (this) {
                        live = tls.getSslContextFactory();
                        liveServer = server;
                        inUse = null; // what this server loaded from the file
                    }
                    LOG.debug("The management port's TLS context is live-reloadable");
                }
            }
        }
        return new InertConnector(server, model, () -> forget(server));
    }

    private synchronized void forget(Server stopped) {
        if (liveServer == stopped) {
            live = null;
            liveServer = null;
            inUse = null;
        }
    }

    /**
     * What this factory must give back: a connector that opens nothing and accepts nothing. Felix
     * lists every connector of a server as an endpoint, so it has the host, port and protocols of
     * the server's own connector (sharing its connection factories, which it neither starts nor
     * stops): the list names the same endpoint twice, never a wrong one. When Felix stops the
     * server it stops this connector first, and the TLS context kept from that server is let go.
     */
    static final class InertConnector extends ServerConnector {
        private final Runnable stopped;

        InertConnector(Server server, ServerConnector model, Runnable stopped) {
            super(server, 1, 1, model == null ? new org.eclipse.jetty.server.ConnectionFactory[0]
                    : model.getConnectionFactories().toArray(new org.eclipse.jetty.server.ConnectionFactory[0]));
            this.stopped = stopped;
            if (model != null) {
                setHost(model.getHost());
                setPort(model.getPort());
            }
            setName("carbide-certificate-handle");
        }

        @Override
        public void open() {
            // no socket: the server's real connector is Felix's
        }

        @Override
        protected void doStart() {
            // nothing to accept or select
        }

        @Override
        protected void doStop() {
            stopped.run();
        }
    }

    // ---- what the API and the CLI do

    /** A new self-signed key and certificate for this node's names, live at once. */
    public synchronized X509Certificate renew() throws IOException {
        ManagementKeyStore store = ManagementKeyStore.existing(folder);
        ManagementKeyStore.Prepared renewed = store.prepareRenewal(node.name(), node.managementHost(),
                System.getProperty(LoadBalancerSettings.MANAGEMENT_HOST));
        replace(store, renewed);
        LOG.info("Renewed the management port's self-signed certificate: valid until {}, sha-256 {}",
                renewed.certificate().getNotAfter().toInstant(), fingerprint(renewed.certificate()));
        return renewed.certificate();
    }

    /**
     * An operator's key and CA-issued chain, live at once.
     *
     * @param anyNames take it even if it does not name where clients reach this manager
     * @throws IllegalArgumentException saying what is wrong with the file
     */
    public synchronized X509Certificate install(byte[] pkcs12, char[] password, boolean anyNames) throws IOException {
        ManagementKeyStore store = ManagementKeyStore.existing(folder);
        ManagementKeyStore.Prepared installed = store.prepareInstall(pkcs12, password, Instant.now(), reachedAs(),
                anyNames);
        replace(store, installed);
        X509Certificate certificate = installed.certificate();
        LOG.info("Installed a management certificate for {} issued by {}: valid until {}, sha-256 {}",
                certificate.getSubjectX500Principal().getName(), certificate.getIssuerX500Principal().getName(),
                certificate.getNotAfter().toInstant(), fingerprint(certificate));
        return certificate;
    }

    /** The names clients reach this manager's port by: its host (127.0.0.1 when it listens everywhere), and the balancer's. */
    private List<String> reachedAs() {
        List<String> names = new ArrayList<>();
        String host = node.managementHost();
        names.add(host == null || host.isBlank() || host.equals("0.0.0.0") ? "127.0.0.1" : host);
        String balanced = System.getProperty(LoadBalancerSettings.MANAGEMENT_HOST);
        if (balanced != null && !balanced.isBlank()) {
            names.add(balanced.strip());
        }
        return names;
    }

    /**
     * Writes a new key store and hands it to the port; if the port cannot take it, the previous
     * one goes back, on disk and in the port, so the two never disagree.
     */
    private void replace(ManagementKeyStore store, ManagementKeyStore.Prepared next) throws IOException {
        if (live == null) {
            throw new IllegalStateException("the management port of " + node.name() + " has no TLS context this node "
                    + "can swap (see the log); nothing was changed: restart the node to take a new key");
        }
        ManagementKeyStore.Prepared previous = readable(store); // none when the file was damaged: renewing is the way out
        store.commit(next);
        try {
            swap(store, next);
        } catch (IOException failed) {
            if (previous != null) {
                store.commit(previous);
            }
            throw failed;
        }
        applied = stamp();
        seen = applied;
    }

    /**
     * Hands a key store to the running port, from memory (Jetty reads no file, so nothing can change
     * in between); if Jetty cannot load it, it gets the one it had back.
     */
    private void swap(ManagementKeyStore store, ManagementKeyStore.Prepared next) throws IOException {
        SslContextFactory.Server tls = live;
        if (tls == null) {
            serving = next.certificate(); // plain HTTP, or the port not open yet: it reads the file when it opens
            lastProblem = "";
            return;
        }
        ManagementKeyStore.Prepared onDisk = inUse == null ? readable(store) : null;
        KeyStore previous = inUse != null ? inUse : onDisk == null ? null : onDisk.keyStore();
        try {
            tls.reload(factory -> use(factory, next.keyStore(), store.password()));
        } catch (Exception e) {
            try {
                if (previous != null) {
                    tls.reload(factory -> use(factory, previous, store.password()));
                }
            } catch (Exception again) {
                LOG.error("The management port could not take its previous key back either: {}", again.toString());
            }
            throw new IOException("the management port could not load the new key (" + e.getMessage()
                    + "); it keeps the previous one", e);
        }
        inUse = next.keyStore();
        serving = next.certificate();
        lastProblem = "";
    }

    /** The key store on disk, or null when it does not open (damaged, or replaced by hand with another password). */
    private static ManagementKeyStore.Prepared readable(ManagementKeyStore store) {
        try {
            return store.onDisk();
        } catch (IOException damaged) {
            return null;
        }
    }

    private static void use(SslContextFactory factory, KeyStore keyStore, String password) {
        factory.setKeyStore(keyStore);
        factory.setKeyStorePassword(password);
        factory.setKeyManagerPassword(password);
    }

    /** The certificate the port serves now, for the API and the status. */
    public Map<String, Object> describe() throws IOException {
        return describe(serving(), live != null);
    }

    /**
     * The certificate the port serves. Until this hands one over, that is the key store file's,
     * read once: opening the store derives its key from the password, some 10 ms of CPU, and the
     * status is written every second. A store replaced since is the watch's to hand over ({@link
     * #tend}), which updates this too. Under the watch's lock, so a read of the file cannot
     * overwrite what the watch just handed over.
     */
    private X509Certificate serving() throws IOException {
        X509Certificate known = serving;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (serving == null) {
                serving = ManagementKeyStore.existing(folder).certificate();
            }
            return serving;
        }
    }

    static Map<String, Object> describe(X509Certificate certificate, boolean liveReload) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("subject", certificate.getSubjectX500Principal().getName());
        info.put("issuer", certificate.getIssuerX500Principal().getName());
        info.put("selfSigned", selfSigned(certificate));
        info.put("notBefore", certificate.getNotBefore().toInstant().toString());
        info.put("notAfter", certificate.getNotAfter().toInstant().toString());
        info.put("daysLeft", Duration.between(Instant.now(), certificate.getNotAfter().toInstant()).toDays());
        info.put("sha256", fingerprint(certificate));
        info.put("liveReload", liveReload);
        return info;
    }

    // ---- the watch

    /** Every {@value #WATCH_SECONDS} s: a key store replaced by hand, and the certificate's end. */
    synchronized void tend() {
        try {
            String now = stamp();
            boolean settled = now.equals(seen); // a hand copy of two files: wait until neither moved for one look
            seen = now;
            if (now.equals(applied)) {
                lastProblem = ""; // what the port took (a bad copy put back as it was, say)
            } else if (settled) {
                if (applied.contains("-;")) {
                    applied = now; // made at the port's first opening, which read it
                } else {
                    ManagementKeyStore store = ManagementKeyStore.existing(folder);
                    ManagementKeyStore.Prepared copied = store.onDisk(); // opens with its password, or says why
                    swap(store, copied);
                    store.writeCertificate(copied.chain()); // clients trust the port by it: it must name this key
                    applied = now;
                    LOG.info("The management port serves the key store replaced in {}: {} issued by {}, valid until {}",
                            folder, serving.getSubjectX500Principal().getName(),
                            serving.getIssuerX500Principal().getName(), serving.getNotAfter().toInstant());
                }
            }
            if (Duration.between(lastExpiryCheck, Instant.now()).compareTo(EXPIRY_CHECK) >= 0) {
                lastExpiryCheck = Instant.now();
                checkExpiry();
            }
        } catch (IOException | RuntimeException e) {
            String problem = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!problem.equals(lastProblem)) {
                LOG.error("The management port keeps its current key: {}; put a key store that opens with "
                        + "management.p12.password there, or run bin/carbide cert renew", problem);
            }
            lastProblem = problem;
        }
    }

    private void checkExpiry() throws IOException {
        X509Certificate certificate = ManagementKeyStore.existing(folder).certificate();
        Instant expires = certificate.getNotAfter().toInstant();
        if (!due(certificate, Instant.now(), renewBefore)) {
            return;
        }
        if (selfSigned(certificate) && certificate.getSubjectX500Principal().getName().contains("CN=Carbide management")) {
            LOG.info("The management port's self-signed certificate expires on {} (within {} days): renewing it", expires,
                    renewBefore.toDays());
            renew();
        } else if (Duration.between(lastExpiryWarning, Instant.now()).toHours() >= 24) { // not ours to replace
            lastExpiryWarning = Instant.now();
            LOG.warn("The management port's certificate for {} issued by {} expires on {}: install the CA's renewed "
                    + "certificate with bin/carbide cert install FILE.p12", certificate.getSubjectX500Principal().getName(),
                    certificate.getIssuerX500Principal().getName(), expires);
        }
    }

    /** Whether a certificate is within {@code renewBefore} of its end (or past it). */
    static boolean due(X509Certificate certificate, Instant now, Duration renewBefore) {
        return !certificate.getNotAfter().toInstant().isAfter(now.plus(renewBefore));
    }

    /** Signed by its own key: what a renewal may replace without being told to. */
    static boolean selfSigned(X509Certificate certificate) {
        if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException notByItself) {
            return false;
        }
    }

    /** What the key store and its password file are on disk: a change of either is a replacement. */
    private String stamp() {
        StringBuilder stamp = new StringBuilder();
        for (String name : new String[] {"management.p12", "management.p12.password"}) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(folder.resolve(name), BasicFileAttributes.class);
                stamp.append(attributes.lastModifiedTime().toMillis()).append('/').append(attributes.size())
                        .append('/').append(attributes.fileKey()).append(';');
            } catch (IOException missing) {
                stamp.append("-;");
            }
        }
        return stamp.toString();
    }

    static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- status

    @Override
    public String section() {
        return "certificate";
    }

    @Override
    public Object status() {
        if (!node.managementSecure()) {
            return Map.of("state", "off: the management port is plain HTTP (carbide.management.secure=false)");
        }
        try {
            Map<String, Object> described = describe();
            String problem = lastProblem;
            if (!problem.isEmpty()) {
                described.put("problem", "the key store in " + folder + " is not served: " + problem);
            }
            return described;
        } catch (IOException e) {
            return Map.of("state", "unreadable", "problem", String.valueOf(e.getMessage()));
        }
    }
}
