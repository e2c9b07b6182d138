package io.carbide.management.internal.tls;

import io.carbide.management.internal.auth.PasswordHash;
import io.carbide.node.AtomicFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port's TLS key: {@code conf/security/management.p12} (PKCS#12), its password in
 * {@code management.p12.password}, and the certificate chain as PEM in {@code management.crt} for
 * clients ({@code curl --cacert}, {@code bin/carbide}), all in the node's own base. Generated on
 * the first start of a node that has none, so none ships in the distribution, and each manager's
 * key is its own (like its repository, and unlike the cluster secret, which the nodes must share).
 *
 * <p>A renewal ({@link #renew}) makes a new key and self-signed certificate for the same names; an
 * installation ({@link #install}) takes a key and chain issued by the operator's CA. Either writes
 * the key store under its existing password, in one atomic rename, so the password file never
 * disagrees with the key store, and {@link LiveCertificate} hands it to the running port.
 */
public final class ManagementKeyStore {

    static final String ALIAS = "carbide-management";
    private static final Duration VALIDITY = Duration.ofDays(3650);
    private static final Logger LOG = LoggerFactory.getLogger(ManagementKeyStore.class);

    private final Path folder;
    private final Path keyStore;
    private final String password;

    private ManagementKeyStore(Path folder, String password) {
        this.folder = folder;
        this.keyStore = folder.resolve("management.p12");
        this.password = password;
    }

    public Path path() {
        return keyStore;
    }

    public String password() {
        return password;
    }

    /** The PEM file clients trust the port by. */
    public Path certificateFile() {
        return folder.resolve("management.crt");
    }

    /**
     * The node's key store, made on first use; {@code alsoNamed}: further host names the
     * certificate must carry (the management host name a load balancer routes by).
     */
    public static ManagementKeyStore findOrCreate(Path base, String nodeName, String host, String... alsoNamed)
            throws IOException {
        Path folder = base.resolve("conf/security");
        if (Files.exists(folder.resolve("management.p12"))) {
            return existing(folder);
        }
        long started = System.nanoTime();
        Files.createDirectories(folder);
        ManagementKeyStore created = new ManagementKeyStore(folder, PasswordHash.generate(32));
        // the password first: a key store is never on disk without the password that opens it
        AtomicFile.writePrivate(folder.resolve("management.p12.password"),
                (created.password + "\n").getBytes(StandardCharsets.US_ASCII));
        created.commit(created.prepareRenewal(nodeName, host, alsoNamed));
        LOG.info("Generated the management port's TLS key and self-signed certificate in {} ({} ms); clients can "
                + "trust {}", folder, (System.nanoTime() - started) / 1_000_000, created.certificateFile());
        return created;
    }

    /** The key store as it is on disk, with the password in its password file. */
    static ManagementKeyStore existing(Path folder) throws IOException {
        return new ManagementKeyStore(folder, Files.readString(folder.resolve("management.p12.password"),
                StandardCharsets.UTF_8).strip());
    }

    /**
     * A key store ready to be served and written: the key and chain under this key store's
     * password, in memory, and as the bytes of the file.
     */
    public record Prepared(KeyStore keyStore, byte[] bytes, Certificate[] chain) {
        public X509Certificate certificate() {
            return (X509Certificate) chain[0];
        }
    }

    /** A new key and self-signed certificate for the node's names, not yet served nor written. */
    public Prepared prepareRenewal(String nodeName, String host, String... alsoNamed) throws IOException {
        return selfSigned(nodeName, host, alsoNamed);
    }

    /**
     * A key and its certificate chain from an operator's PKCS#12 file (e.g. from a CA's {@code
     * openssl pkcs12 -export}), checked: the password opens it, it holds one key, the key is EC or
     * RSA and matches a certificate valid now, which is no CA's, may serve TLS, and names every
     * one of {@code names} (where clients reach the port) unless {@code anyNames}.
     *
     * @throws IllegalArgumentException saying in one line what is wrong with the file
     */
    public Prepared prepareInstall(byte[] pkcs12, char[] filePassword, Instant now, List<String> names,
            boolean anyNames) throws IOException {
        KeyStore offered;
        try {
            offered = KeyStore.getInstance("PKCS12");
            offered.load(new ByteArrayInputStream(pkcs12), filePassword);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password")
                    ? "the PKCS#12 file's password is wrong" : "not a PKCS#12 file (" + e.getMessage() + "); export the "
                            + "key and chain with: openssl pkcs12 -export -inkey KEY -in CERT -certfile CHAIN -out FILE");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a usable PKCS#12 file: " + e.getMessage());
        }
        try {
            List<String> keys = new ArrayList<>();
            for (String alias : Collections.list(offered.aliases())) {
                if (offered.isKeyEntry(alias)) {
                    keys.add(alias);
                }
            }
            if (keys.size() != 1) {
                throw new IllegalArgumentException("the PKCS#12 file holds " + keys.size() + " private keys; give it the "
                        + "management port's key alone, with its certificate chain");
            }
            PrivateKey key = (PrivateKey) offered.getKey(keys.get(0), filePassword);
            Certificate[] chain = offered.getCertificateChain(keys.get(0));
            if (key == null || chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                throw new IllegalArgumentException("the PKCS#12 file's key has no X.509 certificate with it");
            }
            if (!key.getAlgorithm().equals("EC") && !key.getAlgorithm().equals("RSA")) {
                throw new IllegalArgumentException("the key is " + key.getAlgorithm() + "; the management port serves EC "
                        + "or RSA keys, which every browser and client takes");
            }
            if (leaf.getNotAfter().toInstant().isBefore(now)) {
                throw new IllegalArgumentException("the certificate expired on " + leaf.getNotAfter().toInstant()
                        + "; have the CA issue a new one");
            }
            if (leaf.getNotBefore().toInstant().isAfter(now.plus(Duration.ofDays(1)))) {
                throw new IllegalArgumentException("the certificate is valid only from " + leaf.getNotBefore().toInstant()
                        + "; install it then, or check this node's clock");
            }
            if (!matches(key, leaf)) {
                throw new IllegalArgumentException("the private key does not belong to the certificate "
                        + leaf.getSubjectX500Principal().getName());
            }
            if (leaf.getBasicConstraints() >= 0) {
                throw new IllegalArgumentException("the certificate " + leaf.getSubjectX500Principal().getName()
                        + " is a CA's; give the server certificate the CA issued, with the CA's key kept off this node");
            }
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains("1.3.6.1.5.5.7.3.1") && !usages.contains("2.5.29.37.0")) {
                throw new IllegalArgumentException("the certificate may not serve TLS (its extended key usage lacks "
                        + "serverAuth); have the CA issue a server certificate");
            }
            List<String> missing = names.stream().filter(name -> !names(leaf).contains(name.toLowerCase(
                    java.util.Locale.ROOT)) && !wildcardCovers(leaf, name)).toList();
            if (!missing.isEmpty() && !anyNames) {
                throw new IllegalArgumentException("the certificate names " + names(leaf) + " but not " + missing
                        + ", where bin/carbide, the console and load balancers reach this manager; have it issued for "
                        + "those names, set carbide.management.host to a name it carries, or install it with --force "
                        + "and reach the manager with --url https://NAME:PORT");
            }
            return prepared(key, chain);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the key from the PKCS#12 file: " + e.getMessage());
        }
    }

    /** The key store on disk, opened with its password file: what a hand copy put there. */
    public Prepared onDisk() throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            byte[] bytes = Files.readAllBytes(keyStore);
            store.load(new ByteArrayInputStream(bytes), password.toCharArray());
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getKey(alias, password.toCharArray()) != null
                        && store.getCertificateChain(alias) != null) {
                    return new Prepared(store, bytes, store.getCertificateChain(alias));
                }
            }
            throw new IOException(keyStore + " holds no key with a certificate");
        } catch (GeneralSecurityException e) {
            throw new IOException(keyStore + " cannot be opened with " + folder.resolve("management.p12.password") + ": "
                    + e.getMessage(), e);
        }
    }

    /** Writes a prepared key store, then the PEM clients trust: each replaced in one rename, the key store under its password. */
    public void commit(Prepared prepared) throws IOException {
        AtomicFile.writePrivate(keyStore, prepared.bytes());
        writeCertificate(prepared.chain());
    }

    /** The PEM clients trust the port by ({@code management.crt}), from a chain. */
    public void writeCertificate(Certificate[] chain) throws IOException {
        StringBuilder pem = new StringBuilder();
        try {
            for (Certificate certificate : chain) {
                pem.append("-----BEGIN CERTIFICATE-----\n")
                        .append(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(certificate.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            }
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException("cannot write the certificate: " + e.getMessage(), e);
        }
        AtomicFile.write(certificateFile(), pem.toString().getBytes(StandardCharsets.US_ASCII)); // public: clients need it
    }

    /** The certificate the key store on disk holds (the first of its chain). */
    public X509Certificate certificate() throws IOException {
        return onDisk().certificate();
    }

    private Prepared selfSigned(String nodeName, String host, String... alsoNamed) throws IOException {
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
            return prepared(keys.getPrivate(), new Certificate[] {certificate});
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate the management TLS key: " + e, e);
        }
    }

    private Prepared prepared(PrivateKey key, Certificate[] chain) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ALIAS, key, password.toCharArray(), chain);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        store.store(bytes, password.toCharArray());
        return new Prepared(store, bytes.toByteArray(), chain);
    }

    /** The DNS names and IP addresses a certificate carries, lower case. */
    static List<String> names(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            if (certificate.getSubjectAlternativeNames() != null) {
                for (List<?> name : certificate.getSubjectAlternativeNames()) {
                    Object type = name.get(0);
                    if (Integer.valueOf(2).equals(type) || Integer.valueOf(7).equals(type)) {
                        names.add(String.valueOf(name.get(1)).toLowerCase(java.util.Locale.ROOT));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException unreadable) {
            // no names it can be reached by
        }
        return names;
    }

    private static boolean wildcardCovers(X509Certificate certificate, String host) {
        int dot = host.indexOf('.');
        return dot > 0 && !Character.isDigit(host.charAt(0))
                && names(certificate).contains("*" + host.substring(dot).toLowerCase(java.util.Locale.ROOT));
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("the key's algorithm " + key.getAlgorithm()
                    + " is not one the management port serves (EC, RSA or Ed25519)");
        };
        byte[] challenge = "carbide management key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(challenge);
        byte[] signature = signer.sign();
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (java.security.InvalidKeyException otherAlgorithm) {
            return false; // e.g. an RSA certificate with an EC key
        }
    }
}
