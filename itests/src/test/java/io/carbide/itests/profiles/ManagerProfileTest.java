package io.carbide.itests.profiles;

import io.carbide.itests.support.ProfileOptions;
import io.carbide.node.Role;
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

/** The manager profile's bundle set in a real Felix: all active, the management API and the console among them. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ManagerProfileTest {

    @Inject
    BundleContext context;

    @Configuration
    public Option[] configure() {
        return ProfileOptions.of("manager");
    }

    @Test
    public void everyBundleIsActiveIncludingTheManagementSide() throws Exception {
        List<Bundle> bundles = ProfileBundleSetChecks.awaitAllActive(context);
        ProfileBundleSetChecks.assertManagementSideActive(bundles, "manager");
        ProfileBundleSetChecks.assertIdentity(ProfileBundleSetChecks.identity(context), "manager", false, Role.MANAGER);
    }
}
