package io.carbide.itests.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.carbide.itests.support.CarbideCli;
import io.carbide.itests.support.CarbideCli.Run;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import io.carbide.itests.support.TestCertificates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management certificate renewed, replaced by a CA-issued one and replaced by hand, on a
 * running manager, while a client opens a new TLS connection to the API every 50 ms: every request
 * is answered, each swap reaches new connections within seconds, and the manager never restarts.
 */
class ManagementCertificateTest {

    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String PASSWORD = "certificate-test-password";
    private static final String EXPORT_PASSWORD = "export-pass-of-the-ops-team";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private Run carbide(String... args) throws IOException, InterruptedException {
        return CarbideCli.run(temp, Map.of(), args);
    }

    @Test
    void theManagementPortServesARenewedACaIssuedAndAHandCopiedKeyWithoutARestartOrAFailedRequest() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        long pid = manager.pid();
        String base = "--base=" + manager.base();
        Path security = manager.base().resolve("conf/security");
        assertEquals(0, CarbideCli.run(temp, Map.of("CARBIDE_PASSWORD", PASSWORD), "login", base).exitCode());
        String first = fingerprint(Files.readString(security.resolve("management.crt")));

        try (TlsProbe probe = new TlsProbe(manager.managementPort(), "admin", PASSWORD)) {
            probe.awaitServing(first, CONVERGE);

            // renewed: a new key and self-signed certificate, the CLI trusting it by the rewritten management.crt
            Run renew = carbide("cert", "renew", base);
            assertEquals(0, renew.exitCode(), renew.all());
            assertTrue(renew.out().startsWith("Renewed the management certificate of mgr: self-signed"), renew.out());
            String renewed = fingerprint(Files.readString(security.resolve("management.crt")));
            assertFalse(renewed.equals(first));
            assertTrue(renew.out().contains(renewed), renew.out());
            probe.awaitServing(renewed, CONVERGE);
            Run show = carbide("cert", "show", base);
            assertEquals(0, show.exitCode(), show.all());
            assertTrue(show.out().contains(renewed) && show.out().contains("(self-signed)"), show.out());
            Path keptStore = Files.copy(security.resolve("management.p12"), temp.resolve("kept.p12"));
            Path keptPassword = Files.copy(security.resolve("management.p12.password"), temp.resolve("kept.password"));

            // bad files: one line each, nothing changes
            Path certificates = temp.resolve("ca");
            TestCertificates.certificateAuthority(certificates, "ops-ca", "ops-ca");
            TestCertificates.serverCertificate(certificates, "ops-ca", "mgr-tls");
            Path pkcs12 = TestCertificates.pkcs12(certificates, "ops-ca", "mgr-tls", EXPORT_PASSWORD);
            Path wrongPassword = Files.writeString(temp.resolve("wrong.pass"), "not-the-export-password\n");
            Run refused = carbide("cert", "install", pkcs12.toString(), "--password-file", wrongPassword.toString(), base);
            assertEquals(1, refused.exitCode(), refused.all());
            assertEquals(1, refused.err().lines().count(), refused.err());
            assertTrue(refused.err().contains("password is wrong"), refused.err());
            Run notAKeyStore = carbide("cert", "install", certificates.resolve("mgr-tls.pem").toString(),
                    "--password-file", wrongPassword.toString(), base);
            assertEquals(1, notAKeyStore.exitCode(), notAKeyStore.all());
            assertTrue(notAKeyStore.err().contains("not a PKCS#12 file"), notAKeyStore.err());
            TestCertificates.serverCertificate(certificates, "ops-ca", "elsewhere", "DNS:mgr.example.org");
            Path elsewhere = TestCertificates.pkcs12(certificates, "ops-ca", "elsewhere", EXPORT_PASSWORD);
            Path exportPassword = Files.writeString(temp.resolve("export.pass"), EXPORT_PASSWORD + "\n");
            Run otherName = carbide("cert", "install", elsewhere.toString(), "--password-file", exportPassword.toString(),
                    base);
            assertEquals(1, otherName.exitCode(), otherName.all());
            assertTrue(otherName.err().contains("[mgr.example.org] but not [127.0.0.1]")
                    && otherName.err().contains("--force"), otherName.err());
            assertEquals(renewed, probe.latest());

            // the CA's certificate: clients that trust only that CA (and check the host name) connect
            Run install = carbide("cert", "install", pkcs12.toString(), "--password-file", exportPassword.toString(), base);
            assertEquals(0, install.exitCode(), install.all());
            assertTrue(install.out().contains("issued by CN=ops-ca"), install.out());
            String issued = fingerprint(Files.readString(certificates.resolve("mgr-tls.pem")));
            probe.awaitServing(issued, CONVERGE);
            HttpResponse<String> byCa = HttpClient.newBuilder().sslContext(trusting(certificates.resolve("ops-ca.pem")))
                    .build().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + manager.managementPort()
                            + "/api/certificate")).header("Authorization", basic("admin", PASSWORD)).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, byCa.statusCode(), byCa.body());
            assertEquals("CN=ops-ca", JsonParser.parseString(byCa.body()).getAsJsonObject().get("issuer").getAsString());
            Run renewIssued = carbide("cert", "renew", base);
            assertEquals(1, renewIssued.exitCode(), renewIssued.all());
            assertTrue(renewIssued.err().contains("issued by CN=ops-ca") && renewIssued.err().contains("--force"),
                    renewIssued.err());

            // by hand, as a script would: the key store and its password file copied into place
            Files.copy(keptPassword, security.resolve("management.p12.password"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(keptStore, security.resolve("management.p12"), StandardCopyOption.REPLACE_EXISTING);
            probe.awaitServing(renewed, CONVERGE);
            assertTrue(manager.logContains("The management port serves the key store replaced in"), manager.logTail());

            // a damaged key store on disk: the port keeps its key, and a renewal (what the log advises) mends it
            Files.write(security.resolve("management.p12"), new byte[] {0x30, (byte) 0x82, 0x65, 0x65, 1, 2, 3});
            long deadline = System.nanoTime() + CONVERGE.toNanos();
            while (!manager.logContains("The management port keeps its current key") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(manager.logContains("The management port keeps its current key"), manager.logTail());
            assertEquals(renewed, probe.latest());
            manager.awaitStatus(s -> s.getAsJsonObject("certificate").has("problem"), CONVERGE,
                    "the status saying the key store on disk is not served");
            Run mended = carbide("cert", "renew", base);
            assertEquals(0, mended.exitCode(), mended.all());
            probe.awaitServing(fingerprint(Files.readString(security.resolve("management.crt"))), CONVERGE);
            manager.awaitStatus(s -> !s.getAsJsonObject("certificate").has("problem"), CONVERGE,
                    "the status without a problem once renewed");

            probe.runFor(Duration.ofSeconds(1));
            assertEquals(List.of(), probe.failures(), "every request answered across four swaps");
            assertTrue(probe.requests() > 100, "the probe kept connecting: " + probe.requests());
            System.out.printf("management certificate: %d TLS connections and requests, 0 failed, across 4 swaps%n",
                    probe.requests());
        }
        assertEquals(pid, manager.pid(), "no restart");
        assertTrue(manager.logContains("Renewed the management port's self-signed certificate"), manager.logTail());
        String trail = Files.readString(manager.base().resolve("data/audit/audit.jsonl"));
        assertTrue(trail.contains("\"kind\":\"certificate-renew\"") && trail.contains("\"kind\":\"certificate-install\""),
                trail);
        assertFalse(trail.contains(EXPORT_PASSWORD), "the key store's password is never audited");
        assertFalse(Files.readString(manager.base().resolve("logs/carbide.log")).contains(EXPORT_PASSWORD));
    }

    /**
     * A self-signed certificate within its renewal window is renewed by the manager itself, in
     * place: here the window (4,000 days) is longer than the certificate's life (3,650), so the
     * first look after the start finds it due.
     */
    @Test
    void aSelfSignedCertificateDueForRenewalIsRenewedByTheManagerItselfWithoutARestart() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("due"), "manager", "-Dnode=due",
                "-Dcarbide.management.certificateRenewDays=4000").withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        long pid = manager.pid();
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (!manager.logContains("Renewed the management port's self-signed certificate")) {
            assertTrue(System.nanoTime() < deadline, "no renewal within " + CONVERGE + ": " + manager.logTail());
            Thread.sleep(200);
        }
        assertTrue(manager.logContains("within 4000 days): renewing it"), manager.logTail());
        String renewed = fingerprint(Files.readString(manager.base().resolve("conf/security/management.crt")));
        try (TlsProbe probe = new TlsProbe(manager.managementPort(), "admin", PASSWORD)) {
            probe.awaitServing(renewed, CONVERGE);
            assertEquals(List.of(), probe.failures());
        }
        assertEquals(pid, manager.pid(), "no restart");
    }

    private static String fingerprint(String pem) throws Exception {
        Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(
                new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        return fingerprint((X509Certificate) certificate);
    }

    private static String fingerprint(X509Certificate certificate) throws Exception {
        return HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static SSLContext trusting(Path ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /**
     * A client that opens a new TLS connection every 50 ms, notes the certificate it was shown
     * (whatever it is: the test asks which), and asks {@code GET /api/certificate} on it.
     */
    private static final class TlsProbe implements AutoCloseable {
        private final int port;
        private final String authorization;
        private final SSLContext anyCertificate;
        private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean running = true;
        private volatile String latest = "";
        private volatile long requests;

        TlsProbe(int port, String user, String password) throws Exception {
            this.port = port;
            this.authorization = basic(user, password);
            this.anyCertificate = SSLContext.getInstance("TLS");
            anyCertificate.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    // the probe records what it is shown; the test checks it
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            thread = new Thread(this::poll, "tls-probe");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll() {
            while (running) {
                try (SSLSocket socket = (SSLSocket) anyCertificate.getSocketFactory().createSocket("127.0.0.1", port)) {
                    socket.setSoTimeout(5_000);
                    socket.startHandshake();
                    latest = fingerprint((X509Certificate) socket.getSession().getPeerCertificates()[0]);
                    OutputStream out = socket.getOutputStream();
                    out.write(("GET /api/certificate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                            StandardCharsets.US_ASCII)).readLine();
                    if (status == null || !status.startsWith("HTTP/1.1 200")) {
                        failures.add(System.currentTimeMillis() + " " + status);
                    }
                } catch (Exception e) {
                    failures.add(System.currentTimeMillis() + " " + e);
                }
                requests++;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void awaitServing(String fingerprint, Duration timeout) throws InterruptedException {
            await(() -> latest.equals(fingerprint), timeout, "new connections shown " + fingerprint + ", last shown "
                    + latest);
        }

        private static void await(Supplier<Boolean> condition, Duration timeout, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.get()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(what);
                }
                Thread.sleep(50);
            }
        }

        String latest() {
            return latest;
        }

        void runFor(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis());
        }

        List<String> failures() {
            synchronized (failures) {
                return List.copyOf(failures);
            }
        }

        long requests() {
            return requests;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }
}
