package io.carbide.management.internal.tls;

import io.carbide.management.internal.auth.PasswordHash;
import io.carbide.node.AtomicFile;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port's TLS key: {@code conf/security/management.p12} (PKCS#12), its password in
 * {@code management.p12.password}, and the certificate as PEM in {@code management.crt} for
 * clients ({@code curl --cacert}), all in the node's own base. Generated on the first start of a
 * node that has none, so none ships in the distribution, and each manager's key is its own (like
 * its repository, and unlike the cluster secret, which the nodes must share). To use a
 * certificate from your own CA, replace the .p12 and its password file.
 */
public final class ManagementKeyStore {

    static final String ALIAS = "carbide-management";
    private static final Duration VALIDITY = Duration.ofDays(3650);
    private static final Logger LOG = LoggerFactory.getLogger(ManagementKeyStore.class);

    private final Path keyStore;
    private final String password;

    private ManagementKeyStore(Path keyStore, String password) {
        this.keyStore = keyStore;
        this.password = password;
    }

    public Path path() {
        return keyStore;
    }

    public String password() {
        return password;
    }

    /** The key store in the node's {@code conf/security/}, made there on its first start. */
    /**
     * The node's key store, made on first use; {@code alsoNamed}: further host names the
     * certificate must carry (the management host name a load balancer routes by).
     */
    public static ManagementKeyStore findOrCreate(Path base, String nodeName, String host, String... alsoNamed)
            throws IOException {
        Path folder = base.resolve("conf/security");
        Path file = folder.resolve("management.p12");
        if (Files.exists(file)) {
            return new ManagementKeyStore(file, Files.readString(folder.resolve("management.p12.password"),
                    StandardCharsets.UTF_8).strip());
        }
        return create(folder, nodeName, host, alsoNamed);
    }

    private static ManagementKeyStore create(Path folder, String nodeName, String host, String... alsoNamed)
            throws IOException {
        long started = System.nanoTime();
        Files.createDirectories(folder);
        String password = PasswordHash.generate(32);
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            List<String> dnsNames = new ArrayList<>(List.of("localhost"));
            List<InetAddress> addresses = new ArrayList<>(List.of(InetAddress.getByName("127.0.0.1"),
                    InetAddress.getByName("::1")));
            if (host != null && !host.isBlank() && !host.equals("0.0.0.0") && !host.equals("127.0.0.1")) {
                if (Character.isDigit(host.charAt(0)) || host.contains(":")) {
                    addresses.add(InetAddress.getByName(host)); // a literal: no lookup happens
                } else {
                    dnsNames.add(host);
                }
            }
            for (String name : alsoNamed) {
                if (name != null && !name.isBlank() && !dnsNames.contains(name.strip())) {
                    dnsNames.add(name.strip());
                }
            }
            Instant now = Instant.now();
            X509Certificate certificate = SelfSignedCertificate.create(keys, "Carbide management " + nodeName,
                    dnsNames, addresses, now.minus(Duration.ofDays(1)), now.plus(VALIDITY));
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, keys.getPrivate(), password.toCharArray(), new Certificate[] {certificate});
            Path file = folder.resolve("management.p12");
            AtomicFile.writePrivate(folder.resolve("management.p12.password"),
                    (password + "\n").getBytes(StandardCharsets.US_ASCII));
            java.io.ByteArrayOutputStream keyStore = new java.io.ByteArrayOutputStream();
            store.store(keyStore, password.toCharArray());
            AtomicFile.writePrivate(file, keyStore.toByteArray());
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            Path certificateFile = folder.resolve("management.crt");
            AtomicFile.write(certificateFile, pem.getBytes(StandardCharsets.US_ASCII)); // public: clients need it
            LOG.info("Generated the management port's TLS key and self-signed certificate in {} ({} ms); clients can "
                    + "trust {}", folder, (System.nanoTime() - started) / 1_000_000, folder.resolve("management.crt"));
            return new ManagementKeyStore(file, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate the management TLS key: " + e, e);
        }
    }
}
