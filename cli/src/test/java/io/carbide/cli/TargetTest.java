package io.carbide.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which manager a command talks to: a change sent to the wrong one is the mistake this guards. */
class TargetTest {

    @TempDir
    Path temp;

    private Path installation;
    private Path otherBase;

    @BeforeEach
    void aSavedLogInAnInstallationAndAnotherManagersBase() throws Exception {
        assumeTrue(System.getenv("CARBIDE_URL") == null && System.getenv("CARBIDE_CACERT") == null,
                "the environment would choose the manager itself");
        System.setProperty("carbide.loginFile", temp.resolve("login.json").toString());
        new SavedLogin("https://10.0.0.5:9443/", "/etc/carbide/prod.crt", "ops", "token").save();
        installation = node("installation", 9443);
        otherBase = node("mgr-2", 9445);
        System.setProperty("carbide.home", installation.toString());
    }

    @AfterEach
    void forget() {
        System.clearProperty("carbide.loginFile");
        System.clearProperty("carbide.home");
    }

    private Path node(String name, int managementPort) throws Exception {
        Path base = Files.createDirectories(temp.resolve(name).resolve("data"));
        Files.writeString(base.resolve("status.json"), "{\"ports\": {\"client\": 9763, \"management\": " + managementPort
                + "}}");
        return base.getParent();
    }

    @Test
    void theUrlGivenWinsOverEverythingElse() {
        Target target = new Target();
        target.url = URI.create("https://127.0.0.1:9999");
        target.base = otherBase;
        assertEquals(URI.create("https://127.0.0.1:9999/"), target.where().url());
    }

    @Test
    void aBaseGivenWinsOverTheSavedLogIn() {
        Target target = new Target();
        target.base = otherBase;
        Target.Where where = target.where();
        assertEquals(URI.create("https://127.0.0.1:9445/"), where.url());
        assertEquals(otherBase.resolve("conf/security/management.crt"), where.cacert(), "trusted by that node's own");
    }

    @Test
    void withNeitherTheSavedLogInsManagerWithItsCertificate() {
        Target.Where where = new Target().where();
        assertEquals(URI.create("https://10.0.0.5:9443/"), where.url());
        assertEquals(Path.of("/etc/carbide/prod.crt"), where.cacert());
    }

    @Test
    void withoutALogInTheInstallationsOwnManager() throws Exception {
        Files.delete(temp.resolve("login.json"));
        Target.Where where = new Target().where();
        assertEquals(URI.create("https://127.0.0.1:9443/"), where.url());
        assertEquals(installation.resolve("conf/security/management.crt"), where.cacert());
    }
}
