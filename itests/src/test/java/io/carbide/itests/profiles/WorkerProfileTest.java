package io.carbide.itests.profiles;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.carbide.itests.support.ProfileOptions;
import io.carbide.node.Role;
import java.io.File;
import java.util.List;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/** The worker profile's bundle set in a real Felix: all active, nothing of the manager's. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WorkerProfileTest {

    @Inject
    BundleContext context;

    @Configuration
    public Option[] configure() {
        return ProfileOptions.of("worker");
    }

    @Test
    public void everyBundleIsActiveAndNoneBelongsToTheManager() throws Exception {
        List<Bundle> bundles = ProfileBundleSetChecks.awaitAllActive(context);
        for (Bundle bundle : bundles) {
            assertFalse(bundle.getSymbolicName() + " is manager-only yet installed on a worker",
                    ProfileBundleSetChecks.declaresOnlyManager(bundle));
        }
        assertEquals(null, ProfileBundleSetChecks.bySymbolicName(bundles, "io.carbide.management"));
        assertEquals(null, ProfileBundleSetChecks.bySymbolicName(bundles, "io.carbide.console"));
        ProfileBundleSetChecks.assertIdentity(ProfileBundleSetChecks.identity(context), "worker", true, Role.WORKER);
    }

    /**
     * ConfigAdmin restarted under a running worker: the deployment agent comes back with exactly one
     * configuration guard and one worker thread, so no two guards revert each other's changes and
     * no two agents write the same state file.
     */
    @Test
    public void restartingConfigAdminLeavesOneConfigurationGuardAndOneDeploymentThread() throws Exception {
        List<Bundle> bundles = ProfileBundleSetChecks.awaitAllActive(context);
        Bundle deployment = ProfileBundleSetChecks.bySymbolicName(bundles, "io.carbide.deployment");
        Bundle configAdmin = ProfileBundleSetChecks.bySymbolicName(bundles, "org.apache.felix.configadmin");
        assertEquals(1, guards(deployment));
        for (int restart = 1; restart <= 3; restart++) {
            configAdmin.stop();
            assertEquals("no guard while ConfigAdmin is away", 0, guards(deployment));
            configAdmin.start();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (guards(deployment) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("configuration guards after restart " + restart, 1, guards(deployment));
            assertEquals("deployment threads after restart " + restart, 1, Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().equals("carbide-deployment") && thread.isAlive()).count());
        }
    }

    private static int guards(Bundle deployment) {
        org.osgi.framework.ServiceReference<?>[] registered = deployment.getRegisteredServices();
        int count = 0;
        for (org.osgi.framework.ServiceReference<?> reference : registered == null
                ? new org.osgi.framework.ServiceReference<?>[0] : registered) {
            if (java.util.Arrays.asList((String[]) reference.getProperty("objectClass"))
                    .contains("org.osgi.service.cm.ConfigurationListener")) {
                count++;
            }
        }
        return count;
    }

    @Test
    public void roleGuardRefusesAManagerBundleInstalledByHand() throws Exception {
        ProfileBundleSetChecks.awaitAllActive(context);
        File management = new File(context.getProperty("carbide.home"), "system/io/carbide/carbide-management/"
                + context.getProperty("carbide.version") + "/carbide-management-" + context.getProperty("carbide.version")
                + ".jar");
        assertTrue("the distribution ships the management bundle in system/: " + management, management.isFile());
        Bundle intruder = context.installBundle(management.toURI().toString());
        try {
            intruder.start();
            fail("a manager-role bundle started on a worker");
        } catch (BundleException expected) {
            assertEquals("it stays INSTALLED, never resolved", Bundle.INSTALLED, intruder.getState());
        } finally {
            intruder.uninstall();
        }
    }
}
