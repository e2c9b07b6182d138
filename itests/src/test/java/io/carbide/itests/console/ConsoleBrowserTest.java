package io.carbide.itests.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real headless Chromium (Debian's chromium and chromium-driver), as a new
 * user meets it: start a manager and two workers, log in, see the workers, upload the example
 * web app, watch it turn active on both, change a configuration, fetch the app from a worker,
 * see a worker leave, and change the admin password. Screenshots go to {@code target/screenshots/}.
 */
class ConsoleBrowserTest {

    private static final String PASSWORD = "console-test-admin";
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Path SCREENSHOTS = Path.of("target/screenshots");

    @TempDir
    Path temp;

    private final List<NodeProcess> started = new ArrayList<>();
    private WebDriver browser;

    @AfterEach
    void cleanUp() {
        if (browser != null) {
            browser.quit();
        }
        started.forEach(NodeProcess::close);
    }

    private NodeProcess start(NodeProcess node) {
        started.add(node);
        assertEquals(0, node.start().exitCode(), node.logTail());
        node.awaitReady();
        return node;
    }

    /** Debian's chromium; never a browser downloaded by a tool (this machine has no internet). */
    private static WebDriver chromium(Path profile) {
        Path chromium = Path.of("/usr/bin/chromium");
        Path driver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            throw new AssertionError("the console test needs Debian's chromium and chromium-driver: "
                    + "apt-get install -y chromium chromium-driver");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1360,1000", "--user-data-dir=" + profile);
        // the manager's certificate is its own, self-signed: a user accepts it once in the browser
        options.setAcceptInsecureCerts(true);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private String badgeState(String artifact, String node) {
        List<WebElement> badges = browser.findElements(By.cssSelector(
                "tr[data-artifact='" + artifact + "'] .badge[data-node='" + node + "']"));
        return badges.isEmpty() ? "absent" : badges.get(0).getAttribute("data-state");
    }

    @Test
    void aNewUserUploadsTheExampleWebAppAndWatchesItGoLiveOnBothWorkers() throws IOException {
        NodeProcess manager = start(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr")
                .withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD));
        String wellKnown = "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[" + manager.clusterPort() + "]";
        NodeProcess w1 = start(new NodeProcess(temp.resolve("w1"), "worker", "-Dnode=w1", wellKnown));
        NodeProcess w2 = start(new NodeProcess(temp.resolve("w2"), "worker", "-Dnode=w2", wellKnown));

        browser = chromium(temp.resolve("chromium"));
        WebDriverWait wait = new WebDriverWait(browser, CONVERGE);
        // the console re-renders its tables on every live update: an element found a moment ago may be gone
        wait.ignoring(StaleElementReferenceException.class);
        browser.get("https://127.0.0.1:" + manager.managementPort() + "/");

        // the log-in page, then a wrong password, then the right one
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-password")));
        screenshot("01-login");
        browser.findElement(By.id("login-password")).sendKeys("wrong-password");
        browser.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "wrong"));
        browser.findElement(By.id("login-password")).clear();
        browser.findElement(By.id("login-password")).sendKeys(PASSWORD);
        browser.findElement(By.id("login-submit")).click();

        // the cluster with both workers in sync, shown live
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));
        for (String worker : List.of("w1", "w2")) {
            wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("#cluster-table tr[data-node='" + worker + "'] .badge[data-sync='in-sync']")));
        }
        wait.until(ExpectedConditions.textToBe(By.id("tile-sync"), "2 / 2"));
        screenshot("02-cluster");

        // upload the example web app through the file chooser
        browser.findElement(By.id("upload-file")).sendKeys(Artifacts.helloSite().toAbsolutePath().toString());
        wait.until(ExpectedConditions.elementToBeClickable(By.id("upload-submit"))).click();
        wait.until(d -> badgeState("hello-site.zip", "w1").equals("active")
                && badgeState("hello-site.zip", "w2").equals("active"));
        screenshot("03-artifact-active-on-both-workers");
        for (NodeProcess worker : List.of(w1, w2)) {
            assertTrue(worker.awaitHttp("/hello-site/", 200, null, CONVERGE).contains("Carbide"));
        }

        // the servlet and its configuration, edited in the console
        browser.findElement(By.id("upload-file")).sendKeys(Artifacts.helloServlet().toAbsolutePath().toString());
        wait.until(ExpectedConditions.elementToBeClickable(By.id("upload-submit"))).click();
        wait.until(d -> badgeState("hello-servlet.jar", "w1").equals("active")
                && badgeState("hello-servlet.jar", "w2").equals("active"));
        browser.findElement(By.id("config-new-pid")).sendKeys("hello");
        browser.findElement(By.id("config-new")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#config-rows .config-key")));
        browser.findElement(By.cssSelector("#config-rows .config-key")).sendKeys("greeting");
        browser.findElement(By.cssSelector("#config-rows .config-value")).sendKeys("Hello from the console");
        browser.findElement(By.id("config-save")).click();
        for (NodeProcess worker : List.of(w1, w2)) {
            worker.awaitHttp("/hello", 200, "Hello from the console", CONVERGE);
        }
        wait.until(d -> badgeState("hello.cfg", "w1").equals("active") && badgeState("hello.cfg", "w2").equals("active"));
        screenshot("04-configuration-replicated");

        // roll back to revision 2, before the configuration, from its row in the history
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("#toasts .toast")));
        By revisionTwo = By.xpath("//ol[@id='history']/li[span[@class='rev' and text()='#2']]//button");
        wait.until(ExpectedConditions.elementToBeClickable(revisionTwo)).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("toasts"), "rolled back to revision 2"));
        for (NodeProcess worker : List.of(w1, w2)) {
            worker.awaitHttp("/hello", 200, "Hello from Carbide", CONVERGE);
        }
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#history li:first-child"),
                "hello.cfg removed by the rollback to #2"));
        screenshot("05-rolled-back");

        // the load chart of the workers moves once they serve requests
        for (int i = 0; i < 200; i++) {
            w1.awaitHttp("/hello", 200, null, CONVERGE);
        }
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        wait.until(d -> !d.findElements(By.cssSelector(".load-chart[data-subdomain='worker'] svg path.rps")).isEmpty()
                && Double.parseDouble(d.findElement(By.cssSelector(".load-chart[data-subdomain='worker'] [data-figure='rps']"))
                        .getText()) > 0);
        screenshot("06-load");

        // a staged rollout shows wave by wave, and is paused and aborted from its card
        ManagementClient api = new ManagementClient(manager, "admin", PASSWORD);
        ManagementClient.Response staged = api.putFile("/api/artifacts/staged.jar?canary=1&waves=100%25&settle=60",
                Artifacts.bundle(temp.resolve("staged.jar"), java.util.Map.of("Bundle-SymbolicName", "console.staged",
                        "Bundle-Version", "1.0.0")));
        assertEquals(202, staged.status(), staged.body());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("rollout-card")));
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#rollout-waves .wave.admitted [data-node='w1'] .badge"), "applied"));
        assertEquals("held", browser.findElement(By.cssSelector("#rollout-waves [data-node='w2'] .badge")).getText());
        wait.until(d -> "held".equals(d.findElement(By.cssSelector("#cluster-table tr[data-node='w2'] [data-sync]"))
                .getAttribute("data-sync")));
        wait.until(d -> badgeState("staged.jar", "w2").equals("held") && badgeState("staged.jar", "w1").equals("active"));
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        screenshot("07-rollout-canary");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("rollout-pause"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("rollout-state"), "paused"));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("rollout-abort"))).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBe(By.id("rollout-state"), "aborted"));
        assertEquals(false, browser.findElement(By.id("rollout-abort")).isDisplayed(), "nothing left to abort");
        screenshot("08-rollout-aborted");

        // a worker leaving shows at once
        w2.close();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("#cluster-table tr[data-node='w2']")));
        screenshot("09-worker-left");

        // the admin changes the password the first start set, then logs in with the new one
        browser.findElement(By.id("password-open")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("password-new"))).sendKeys("a-new-password-1");
        browser.findElement(By.id("password-again")).sendKeys("a-new-password-1");
        browser.findElement(By.id("password-save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("toasts"), "Password of admin changed"));
        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-password"))).sendKeys("a-new-password-1");
        browser.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));
        // an admin sees the audit trail: the upload from the console is in it
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-table"), "upload hello-site.zip"));
        screenshot("10-audit");

        // a viewer sees everything, and no button that would change anything
        ManagementClient admin = new ManagementClient(manager, "admin", "a-new-password-1");
        assertEquals(201, admin.putJson("/api/users/vera", "{\"password\": \"viewer-password-1\", \"role\": \"viewer\"}")
                .status());
        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user"))).clear();
        browser.findElement(By.id("login-user")).sendKeys("vera");
        browser.findElement(By.id("login-password")).sendKeys("viewer-password-1");
        browser.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-artifact='hello-site.zip']")));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#history li")));
        for (String hidden : List.of("#upload-form", "button[data-undeploy]", "#history button", "#config-save",
                "#audit-table")) {
            for (WebElement element : browser.findElements(By.cssSelector(hidden))) {
                assertTrue(!element.isDisplayed(), hidden + " is shown to a viewer");
            }
        }
        assertTrue(browser.findElement(By.cssSelector("#cluster-table")).isDisplayed());
        screenshot("11-viewer");
    }
}
