package io.carbide.itests.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenLDAP server (Debian's {@code slapd}) started by a test on 127.0.0.1 high ports with
 * its own configuration, certificates and data folder: {@code ldap://} and {@code ldaps://}, a
 * test CA (made with {@code openssl}) that signed the server's certificate for 127.0.0.1, and a
 * directory seeded with two people in two groups and a read-only service account:
 *
 * <pre>
 * dc=carbide,dc=test
 *   cn=reader                 service account, password "reader-password"
 *   ou=people:  uid=alice (alice-password), uid=bob (bob-password)
 *   ou=groups:  cn=carbide-admins {alice}, cn=carbide-deployers {bob}
 * </pre>
 *
 * It runs in the foreground with its statistics log ({@code -d 256}: connections, TLS, binds,
 * searches with their filters) in {@code slapd.log}, for tests to read what reached it. Closing it
 * stops exactly the process it started.
 */
public final class LdapServer implements AutoCloseable {

    public static final String SUFFIX = "dc=carbide,dc=test";
    public static final String PEOPLE = "ou=people," + SUFFIX;
    public static final String GROUPS = "ou=groups," + SUFFIX;
    public static final String READER = "cn=reader," + SUFFIX;
    public static final String READER_PASSWORD = "reader-password";

    private final Path folder;
    private final int plainPort;
    private final int tlsPort;
    private Process process;

    private LdapServer(Path folder, int plainPort, int tlsPort) {
        this.folder = folder;
        this.plainPort = plainPort;
        this.tlsPort = tlsPort;
    }

    /** Makes the CA, the server's certificate, the configuration and the seeded data, and starts slapd. */
    public static LdapServer start(Path folder) throws IOException, InterruptedException {
        Files.createDirectories(folder.resolve("data"));
        TestCertificates.certificateAuthority(folder, "ca", "carbide-test-ca");
        TestCertificates.serverCertificate(folder, "ca", "server");
        Files.writeString(folder.resolve("slapd.conf"), """
                include /etc/ldap/schema/core.schema
                include /etc/ldap/schema/cosine.schema
                include /etc/ldap/schema/inetorgperson.schema
                include /etc/ldap/schema/nis.schema
                modulepath /usr/lib/ldap
                moduleload back_mdb
                pidfile %1$s/slapd.pid
                TLSCACertificateFile %1$s/ca.pem
                TLSCertificateFile %1$s/server.pem
                TLSCertificateKeyFile %1$s/server.key
                database mdb
                maxsize 10485760
                suffix "%2$s"
                rootdn "cn=admin,%2$s"
                rootpw admin-only-for-this-test
                directory %1$s/data
                access to attrs=userPassword by anonymous auth by self read by * none
                access to * by users read by * none
                """.formatted(folder.toAbsolutePath(), SUFFIX));
        Files.writeString(folder.resolve("seed.ldif"), """
                dn: %1$s
                objectClass: dcObject
                objectClass: organization
                o: Carbide test
                dc: carbide

                dn: %2$s
                objectClass: organizationalRole
                objectClass: simpleSecurityObject
                cn: reader
                userPassword: %3$s

                dn: %4$s
                objectClass: organizationalUnit
                ou: people

                dn: %5$s
                objectClass: organizationalUnit
                ou: groups

                dn: uid=alice,%4$s
                objectClass: inetOrgPerson
                uid: alice
                cn: Alice
                sn: Ops
                userPassword: alice-password

                dn: uid=bob,%4$s
                objectClass: inetOrgPerson
                uid: bob
                cn: Bob
                sn: Dev
                userPassword: bob-password

                dn: cn=carbide-admins,%5$s
                objectClass: groupOfNames
                cn: carbide-admins
                member: uid=alice,%4$s

                dn: cn=carbide-deployers,%5$s
                objectClass: groupOfNames
                cn: carbide-deployers
                member: uid=bob,%4$s
                """.formatted(SUFFIX, READER, READER_PASSWORD, PEOPLE, GROUPS));
        run(folder, "slapadd", "-f", "slapd.conf", "-l", "seed.ldif");
        LdapServer server = new LdapServer(folder, freePort(), freePort());
        server.resume();
        return server;
    }

    /** Starts slapd (again, after {@link #stop}) and waits until it answers. */
    public void resume() throws IOException, InterruptedException {
        process = new ProcessBuilder("slapd", "-f", folder.resolve("slapd.conf").toString(), "-h",
                "ldap://127.0.0.1:" + plainPort + "/ ldaps://127.0.0.1:" + tlsPort + "/", "-d", "256")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve("slapd.log")
                        .toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!answers(tlsPort)) { // slapd opens both listeners at once; a probe of ldap:// would show in its log
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("slapd did not start: " + Files.readString(folder.resolve("slapd.log")));
            }
            Thread.sleep(100);
        }
    }

    /** Stops slapd: the directory is down. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Takes {@code uid} out of group {@code cn}, as the directory's administrator would (ldapmodify over LDAPS). */
    public void removeFromGroup(String uid, String cn) throws IOException, InterruptedException {
        Path change = Files.writeString(folder.resolve("remove-" + uid + ".ldif"), """
                dn: cn=%s,%s
                changetype: modify
                add: member
                member: %s
                -
                delete: member
                member: uid=%s,%s
                """.formatted(cn, GROUPS, READER, uid, PEOPLE)); // a groupOfNames keeps one member at least
        // OpenLDAP's tools read ldaprc from their working folder: trust the directory's CA over LDAPS
        Files.writeString(folder.resolve("ldaprc"), "TLS_CACERT " + caCertificate().toAbsolutePath() + "\n");
        run(folder, "ldapmodify", "-x", "-H", ldapsUrl(), "-D", "cn=admin," + SUFFIX, "-w", "admin-only-for-this-test",
                "-f", change.toString());
    }

    public String ldapsUrl() {
        return "ldaps://127.0.0.1:" + tlsPort;
    }

    public String ldapUrl() {
        return "ldap://127.0.0.1:" + plainPort;
    }

    /** The statistics log so far: one line per connection, TLS handshake, bind, search and result. */
    public String log() throws IOException {
        return Files.readString(folder.resolve("slapd.log"));
    }

    public Path caCertificate() {
        return folder.resolve("ca.pem");
    }

    /** The {@code carbide.ldap.*} options of a manager that searches people as the service account over LDAPS. */
    public List<String> managerOptions(Path trusted, Path bindPasswordFile) {
        return List.of("-Dcarbide.ldap.url=" + ldapsUrl(), "-Dcarbide.ldap.trustedCertificates=" + trusted,
                "-Dcarbide.ldap.userSearchBase=" + PEOPLE, "-Dcarbide.ldap.bindDn=" + READER,
                "-Dcarbide.ldap.bindPasswordFile=" + bindPasswordFile, "-Dcarbide.ldap.groupSearchBase=" + GROUPS,
                "-Dcarbide.ldap.roles=carbide-admins:admin;carbide-deployers:deployer", "-Dcarbide.ldap.timeoutMillis=3000");
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static boolean answers(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void run(Path folder, String... command) throws IOException, InterruptedException {
        TestCertificates.run(folder, command);
    }
}
