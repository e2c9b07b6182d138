package io.carbide.itests.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.LdapServer;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import io.carbide.itests.support.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager whose users come from a real OpenLDAP directory over LDAPS as well as from its users
 * file: directory users log in with the role their groups map to; a wrong password and an unknown
 * name fail alike; a name built to widen the search finds nobody; an empty password is refused
 * without reaching the directory; a user taken out of their group is refused within
 * {@code sessionMinutes}, scripts and sessions alike, while the others' scripts go on; with the
 * directory down the refusal says so and the local admin still logs in; and a manager that does
 * not trust the directory's certificate refuses it.
 */
class LdapDirectoryTest {

    private static final String PASSWORD = "ldap-test-admin-password";

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    private NodeProcess manager(String name, LdapServer ldap, Path trusted) throws Exception {
        Path readerPassword = temp.resolve(name + "-reader.password");
        Files.writeString(readerPassword, LdapServer.READER_PASSWORD + "\n");
        List<String> options = new ArrayList<>(List.of("-Dnode=" + name));
        options.addAll(ldap.managerOptions(trusted, readerPassword));
        options.add("-Dcarbide.ldap.sessionMinutes=1"); // the shortest allowed: a removal is seen within the test
        return started.startReady(new NodeProcess(temp.resolve(name), "manager", options.toArray(String[]::new))
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
    }

    @Test
    void directoryUsersLogInWithTheirGroupsRoleAndTheLocalAdminStaysTheWayIn() throws Exception {
        try (LdapServer ldap = LdapServer.start(temp.resolve("ldap"))) {
            NodeProcess manager = manager("mgr", ldap, ldap.caCertificate());
            ManagementClient admin = new ManagementClient(manager, "admin", PASSWORD);

            // alice is in carbide-admins, bob in carbide-deployers
            ManagementClient alice = admin.as("alice", "alice-password");
            long aliceChecked = System.nanoTime(); // the directory answers for her now, then not for a minute
            assertEquals(200, alice.get("/api/audit").status(), "an admin reads the audit trail");
            ManagementClient bob = admin.as("bob", "bob-password");
            assertEquals(200, bob.get("/api/artifacts").status());
            ManagementClient.Response uploaded = bob.putFile("/api/artifacts/hello-servlet.jar", Artifacts.helloServlet());
            assertEquals(201, uploaded.status(), "a deployer uploads: " + uploaded.body());
            ManagementClient.Response forbidden = bob.get("/api/audit");
            assertEquals(403, forbidden.status(), forbidden.body());
            assertTrue(forbidden.error().contains("needs the admin role"), forbidden.body());
            ManagementClient.Response login = admin.postJson("/api/login",
                    "{\"user\": \"bob\", \"password\": \"bob-password\"}");
            assertEquals(200, login.status(), login.body());
            assertEquals("deployer", login.json().get("role").getAsString());
            String log = ldap.log();
            assertTrue(log.contains("(IP=127.0.0.1:" + ldap.ldapsUrl().replaceAll(".*:", "") + ")")
                    && log.contains("TLS established"), "the log-ins went over LDAPS:\n" + log);
            assertFalse(log.contains("(IP=127.0.0.1:" + ldap.ldapUrl().replaceAll(".*:", "") + ")"),
                    "and never over plain ldap://");

            // a wrong password and an unknown user fail alike
            ManagementClient.Response wrong = admin.as("bob", "not-bobs-password").get("/api/artifacts");
            ManagementClient.Response unknown = admin.as("mallory", "some-password-1").get("/api/artifacts");
            assertEquals(401, wrong.status(), wrong.body());
            assertEquals(401, unknown.status(), unknown.body());
            assertEquals(wrong.body(), unknown.body());

            // a name built to widen the user search finds nobody, even with a real password
            int searchesBefore = count(ldap.log(), " SRCH base=\"" + LdapServer.PEOPLE);
            for (String injected : List.of("*)(uid=*", "*", "alice)(|(uid=*", "alice*")) {
                ManagementClient.Response refused = admin.as(injected, "alice-password").get("/api/artifacts");
                assertEquals(401, refused.status(), injected + ": " + refused.body());
            }
            String searches = ldap.log();
            assertEquals(searchesBefore + 4, count(searches, " SRCH base=\"" + LdapServer.PEOPLE),
                    "each name was searched for once:\n" + searches);
            assertTrue(searches.toUpperCase(java.util.Locale.ROOT).contains("FILTER=\"(UID=\\2A\\29\\28UID=\\2A)\""),
                    "the name reached the directory escaped, as a value:\n" + searches);

            // an empty password never reaches the directory: it would be an anonymous bind, which succeeds
            int connectionsBefore = count(ldap.log(), " ACCEPT from ");
            ManagementClient.Response empty = admin.as("alice", "").get("/api/artifacts");
            assertEquals(401, empty.status(), empty.body());
            ManagementClient.Response emptyForm = admin.postJson("/api/login", "{\"user\": \"alice\", \"password\": \"\"}");
            assertEquals(401, emptyForm.status(), emptyForm.body());
            assertEquals(connectionsBefore, count(ldap.log(), " ACCEPT from "), "no connection for an empty password");

            // bob taken out of his group: within sessionMinutes (1) his scripts and his session are refused,
            // while alice's script, sending HTTP Basic every few seconds, is let in all along (with the
            // remembered check outliving the session, it once got 401 for the minute after the first)
            ManagementClient.Response tokenLogIn = admin.as(null, null).postJson("/api/login",
                    "{\"user\": \"bob\", \"password\": \"bob-password\", \"token\": true}");
            assertEquals(200, tokenLogIn.status(), tokenLogIn.body());
            ManagementClient bobsSession = admin.as(null, null).withHeader("Authorization",
                    "Bearer " + tokenLogIn.json().get("token").getAsString());
            assertEquals(200, bobsSession.get("/api/artifacts").status(), "bob's session, before: a wrong password "
                    + "tried with his name a moment ago (above) once ended it, so anyone could log him out");
            ldap.removeFromGroup("bob", "carbide-deployers");
            long removed = System.nanoTime();
            long bobRefusedAfter = -1;
            // until bob is refused and alice's minute is well past, her remembered check lapsing on the way
            while (System.nanoTime() - removed < java.util.concurrent.TimeUnit.SECONDS.toNanos(75)
                    && (bobRefusedAfter < 0 || System.nanoTime() - aliceChecked < java.util.concurrent.TimeUnit.SECONDS.toNanos(68))) {
                ManagementClient.Response aliceCalls = alice.get("/api/artifacts");
                assertEquals(200, aliceCalls.status(), "alice, still in her group, "
                        + (System.nanoTime() - removed) / 1_000_000 + " ms after bob's removal: " + aliceCalls.body());
                if (bobRefusedAfter < 0 && bob.get("/api/artifacts").status() == 401) {
                    bobRefusedAfter = (System.nanoTime() - removed) / 1_000_000;
                }
                Thread.sleep(1_000);
            }
            assertTrue(bobRefusedAfter >= 0 && bobRefusedAfter <= 62_000,
                    "bob refused within the session's minute of his removal: " + bobRefusedAfter + " ms");
            ManagementClient.Response lapsed = bobsSession.get("/api/artifacts");
            assertEquals(401, lapsed.status(), "bob's session from before: " + lapsed.body());
            assertTrue(lapsed.error().contains("log in again"), lapsed.body());
            ManagementClient.Response again = admin.as(null, null).postJson("/api/login",
                    "{\"user\": \"bob\", \"password\": \"bob-password\"}");
            assertEquals(401, again.status(), "a new log-in with his right password: the directory refuses him now: "
                    + again.body());

            // the directory down: a clear refusal naming it, and the local admin still logs in
            ldap.stop();
            ManagementClient.Response down = admin.as("alice", "alice-password-not-remembered").get("/api/artifacts");
            assertEquals(503, down.status(), down.body());
            assertTrue(down.error().contains(ldap.ldapsUrl()) && down.error().contains("did not answer")
                    && down.error().contains("local users (the break-glass admin) can still log in"), down.body());
            assertEquals(200, admin.get("/api/artifacts").status(), "the local admin logs in with the directory down");
            manager.awaitStatus(s -> "unavailable".equals(s.getAsJsonObject("directory").get("state").getAsString()),
                    java.time.Duration.ofSeconds(30), "the node's status saying the directory is unavailable");
            ldap.resume();
            assertEquals(200, admin.as("alice", "alice-password").get("/api/audit").status());
            // alice's log-in was remembered; a check that reaches the directory shows it answering again
            assertEquals(401, admin.as("bob", "still-not-bobs-password").get("/api/artifacts").status());
            manager.awaitStatus(s -> "configured".equals(s.getAsJsonObject("directory").get("state").getAsString()),
                    java.time.Duration.ofSeconds(30), "the node's status saying the directory answers again");
            assertEquals(0, manager.stop().exitCode());

            // a manager that trusts another CA refuses the directory's certificate
            Path otherCa = TestCertificates.certificateAuthority(temp.resolve("other-ca"), "other", "not-the-directory-ca");
            NodeProcess distrustful = manager("mgr-other-ca", ldap, otherCa);
            ManagementClient.Response untrusted = new ManagementClient(distrustful, "alice", "alice-password")
                    .get("/api/artifacts");
            assertEquals(503, untrusted.status(), untrusted.body());
            assertTrue(untrusted.error().contains("certificate is not trusted"), untrusted.body());
            assertEquals(200, new ManagementClient(distrustful, "admin", PASSWORD).get("/api/artifacts").status());
        }
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            count++;
        }
        return count;
    }
}
