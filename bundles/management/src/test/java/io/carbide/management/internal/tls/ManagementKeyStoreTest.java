package io.carbide.management.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renewing the management key, and taking an operator's PKCS#12 file only once it is checked. */
class ManagementKeyStoreTest {

    @TempDir
    Path base;

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(KeyPair keys, Instant from, Instant until) throws Exception {
        return SelfSignedCertificate.create(keys, "mgr.example.org", List.of("mgr.example.org"),
                List.of(InetAddress.getByName("127.0.0.1")), from, until);
    }

    /** A PKCS#12 file as openssl pkcs12 -export would make it. */
    private static byte[] pkcs12(String password, KeyPair key, Certificate... chain) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("1", key.getPrivate(), password.toCharArray(), chain);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        store.store(bytes, password.toCharArray());
        return bytes.toByteArray();
    }

    @Test
    void aRenewalMakesANewKeyForTheSameNamesUnderTheSamePassword() throws Exception {
        ManagementKeyStore store = ManagementKeyStore.findOrCreate(base, "m1", "127.0.0.1", "mgr.internal");
        X509Certificate first = store.certificate();
        String password = Files.readString(base.resolve("conf/security/management.p12.password"));
        ManagementKeyStore.Prepared prepared = store.prepareRenewal("m1", "127.0.0.1", "mgr.internal");
        assertEquals(first, store.certificate(), "prepared, not yet written");
        store.commit(prepared);
        X509Certificate renewed = prepared.certificate();
        assertFalse(first.getPublicKey().equals(renewed.getPublicKey()), "a new key, not only a new date");
        assertEquals(List.copyOf(first.getSubjectAlternativeNames()), List.copyOf(renewed.getSubjectAlternativeNames()));
        assertEquals(password, Files.readString(base.resolve("conf/security/management.p12.password")),
                "the password file is left alone: the key store is replaced in one rename");
        assertEquals(renewed, ManagementKeyStore.existing(base.resolve("conf/security")).certificate());
        assertTrue(Files.readString(store.certificateFile()).contains("BEGIN CERTIFICATE"));
    }

    @Test
    void anOperatorsKeyAndChainAreTakenOnceChecked() throws Exception {
        ManagementKeyStore store = ManagementKeyStore.findOrCreate(base, "m1", "127.0.0.1");
        Instant now = Instant.now();
        KeyPair key = keyPair();
        X509Certificate issued = certificate(key, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)));
        ManagementKeyStore.Prepared installed = store.prepareInstall(pkcs12("export-pass", key, issued),
                "export-pass".toCharArray(), now, List.of("127.0.0.1", "mgr.example.org"), false);
        assertEquals(issued, installed.certificate());
        store.commit(installed);
        assertEquals(issued, store.certificate(), "kept under the node's own password, not the file's");
    }

    @Test
    void aBadFileIsRefusedInOneLineAndTheKeyInUseStays() throws Exception {
        ManagementKeyStore store = ManagementKeyStore.findOrCreate(base, "m1", "127.0.0.1");
        X509Certificate before = store.certificate();
        Instant now = Instant.now();
        KeyPair key = keyPair();
        X509Certificate good = certificate(key, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)));
        byte[] file = pkcs12("export-pass", key, good);

        List<String> names = List.of("127.0.0.1");
        assertRefused("password is wrong", () -> store.prepareInstall(file, "guess".toCharArray(), now, names, false));
        assertRefused("not a PKCS#12 file", () -> store.prepareInstall("-----BEGIN CERTIFICATE-----".getBytes(),
                "export-pass".toCharArray(), now, names, false));
        X509Certificate expired = certificate(key, now.minus(Duration.ofDays(400)), now.minus(Duration.ofDays(10)));
        assertRefused("expired on", () -> store.prepareInstall(pkcs12("p", key, expired), "p".toCharArray(), now,
                names, false));
        assertRefused("valid only from", () -> store.prepareInstall(pkcs12("p", key,
                certificate(key, now.plus(Duration.ofDays(30)), now.plus(Duration.ofDays(90)))), "p".toCharArray(), now,
                names, false));
        assertRefused("does not belong", () -> store.prepareInstall(pkcs12("p", keyPair(), good), "p".toCharArray(),
                now, names, false));
        assertRefused("but not [mgr.internal]", () -> store.prepareInstall(file, "export-pass".toCharArray(), now,
                List.of("127.0.0.1", "mgr.internal"), false));
        assertEquals(good, store.prepareInstall(file, "export-pass".toCharArray(), now, List.of("mgr.internal"), true)
                .certificate(), "told to, it takes a certificate for other names");
        assertEquals(before, store.certificate(), "nothing was written");
    }

    @Test
    void aSelfSignedCertificateIsDueForRenewalWithinItsWindow() throws Exception {
        Instant now = Instant.now();
        X509Certificate soon = certificate(keyPair(), now.minus(Duration.ofDays(300)), now.plus(Duration.ofDays(20)));
        assertTrue(LiveCertificate.due(soon, now, Duration.ofDays(30)));
        assertFalse(LiveCertificate.due(soon, now, Duration.ofDays(7)));
        assertTrue(LiveCertificate.selfSigned(soon));
        assertTrue(LiveCertificate.fingerprint(soon).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"));
    }

    private static void assertRefused(String saying, org.junit.jupiter.api.function.Executable install) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, install);
        assertTrue(refused.getMessage().contains(saying), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), "one line");
    }
}
