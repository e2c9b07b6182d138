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
