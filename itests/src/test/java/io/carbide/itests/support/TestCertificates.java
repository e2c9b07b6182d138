package io.carbide.itests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Certificates as an operator's CA issues them, made with {@code openssl} in a test's folder: a
 * CA ({@code NAME.pem}, {@code NAME.key}), a server certificate it signs for 127.0.0.1, and the
 * PKCS#12 file an operator hands a server. Every call is logged to {@code setup.log} there.
 */
public final class TestCertificates {

    private TestCertificates() {
    }

    /** A CA of its own in the folder: trusting it instead proves a wrong certificate is refused. */
    public static Path certificateAuthority(Path folder, String name, String commonName) throws IOException,
            InterruptedException {
        Files.createDirectories(folder);
        run(folder, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".pem", "-days", "2", "-subj", "/CN=" + commonName);
        return folder.resolve(name + ".pem");
    }

    /** {@code NAME.key} and {@code NAME.pem}, signed by the CA {@code ca} in the folder, for 127.0.0.1 (and localhost). */
    public static Path serverCertificate(Path folder, String ca, String name) throws IOException, InterruptedException {
        return serverCertificate(folder, ca, name, "IP:127.0.0.1,DNS:localhost");
    }

    /** The same for the names given, as openssl's subjectAltName takes them ({@code DNS:mgr.example.org}). */
    public static Path serverCertificate(Path folder, String ca, String name, String subjectAltNames)
            throws IOException, InterruptedException {
        run(folder, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name);
        Files.writeString(folder.resolve(name + ".ext"), "subjectAltName=" + subjectAltNames
                + "\nextendedKeyUsage=serverAuth\n");
        run(folder, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
        return folder.resolve(name + ".pem");
    }

    /** {@code NAME.p12}: the server's key, its certificate and the CA's, under {@code password}. */
    public static Path pkcs12(Path folder, String ca, String name, String password) throws IOException,
            InterruptedException {
        run(folder, "openssl", "pkcs12", "-export", "-inkey", name + ".key", "-in", name + ".pem", "-certfile",
                ca + ".pem", "-out", name + ".p12", "-passout", "pass:" + password);
        return folder.resolve(name + ".p12");
    }

    static void run(Path folder, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve("setup.log").toFile())).start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + Files.readString(folder.resolve("setup.log")));
        }
    }
}
