package io.carbide.management.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {

    @Test
    void theJdkReadsTheCertificateAndItsSignatureVerifies() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        X509Certificate certificate = SelfSignedCertificate.create(keys, "Carbide management m1",
                List.of("localhost", "mgr.internal"), List.of(InetAddress.getByName("127.0.0.1")), from,
                from.plus(3650, ChronoUnit.DAYS));

        certificate.verify(keys.getPublic());
        certificate.checkValidity();
        assertEquals(3, certificate.getVersion());
        assertEquals(certificate.getSubjectX500Principal(), certificate.getIssuerX500Principal());
        assertTrue(certificate.getSubjectX500Principal().getName().contains("CN=Carbide management m1"));
        assertArrayEquals(keys.getPublic().getEncoded(), certificate.getPublicKey().getEncoded());
        assertEquals(-1, certificate.getBasicConstraints(), "not a CA");
        Set<String> names = certificate.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString())
                .collect(Collectors.toSet());
        assertEquals(Set.of("localhost", "mgr.internal", "127.0.0.1"), names);
    }

    @Test
    void validityPastTheYear2049IsWrittenAsGeneralizedTime() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        Instant from = Instant.parse("2049-06-01T00:00:00Z");
        X509Certificate certificate = SelfSignedCertificate.create(generator.generateKeyPair(), "later",
                List.of("localhost"), List.of(), from, Instant.parse("2060-01-01T00:00:00Z"));
        assertEquals(Instant.parse("2060-01-01T00:00:00Z"), certificate.getNotAfter().toInstant());
        assertEquals(from, certificate.getNotBefore().toInstant());
    }

    @Test
    void aKeyStoreIsCreatedOnceAndThenReused(@TempDir Path base) throws Exception {
        ManagementKeyStore first = ManagementKeyStore.findOrCreate(base, "m1", "127.0.0.1");
        assertTrue(Files.isRegularFile(base.resolve("conf/security/management.p12")));
        assertTrue(Files.readString(base.resolve("conf/security/management.crt")).contains("BEGIN CERTIFICATE"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(base.resolve("conf/security/management.p12.password"))));
        ManagementKeyStore again = ManagementKeyStore.findOrCreate(base, "m1", "127.0.0.1");
        assertEquals(first.password(), again.password());
        assertEquals(first.path(), again.path());
    }
}
