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

/** The default profile's bundle set in a real Felix: all active, the management API and the console among them. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DefaultProfileTest {

    @Inject
    BundleContext context;

    @Configuration
    public Option[] configure() {
        return ProfileOptions.of("default");
    }

    @Test
    public void everyBundleIsActiveIncludingTheManagementSide() throws Exception {
        List<Bundle> bundles = ProfileBundleSetChecks.awaitAllActive(context);
        ProfileBundleSetChecks.assertManagementSideActive(bundles, "default");
        ProfileBundleSetChecks.assertIdentity(ProfileBundleSetChecks.identity(context), "default", false, Role.WORKER, Role.MANAGER);
    }
}
