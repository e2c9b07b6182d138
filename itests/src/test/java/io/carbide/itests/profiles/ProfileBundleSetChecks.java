package io.carbide.itests.profiles;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;

import io.carbide.itests.support.ProfileOptions;
import io.carbide.node.NodeIdentity;
import io.carbide.node.Role;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Checks run inside a Pax Exam framework that holds one profile's bundle set. Runs in the
 * framework, so it only touches OSGi and our API.
 */
final class ProfileBundleSetChecks {

    private ProfileBundleSetChecks() {
    }

    /** Waits until every bundle of the profile is ACTIVE (the probe may start before the last level). */
    static List<Bundle> awaitAllActive(BundleContext context) throws InterruptedException {
        List<String> locations = Arrays.asList(context.getProperty(ProfileOptions.PLANNED_BUNDLES).split(","));
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            List<Bundle> planned = new ArrayList<>();
            List<String> notActive = new ArrayList<>();
            for (String location : locations) {
                Bundle bundle = context.getBundle(location);
                if (bundle == null) {
                    notActive.add(location + " (not installed)");
                    continue;
                }
                planned.add(bundle);
                if (bundle.getState() != Bundle.ACTIVE) {
                    notActive.add(bundle.getSymbolicName() + " in state " + bundle.getState());
                }
            }
            if (notActive.isEmpty()) {
                return planned;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("bundles not ACTIVE after 30 s: " + notActive);
            }
            Thread.sleep(100);
        }
    }

    static boolean declaresOnlyManager(Bundle bundle) {
        return !Role.ofHeader(bundle.getHeaders("").get(Role.HEADER)).contains(Role.WORKER);
    }

    static NodeIdentity identity(BundleContext context) throws InterruptedException {
        ServiceTracker<NodeIdentity, NodeIdentity> tracker = new ServiceTracker<>(context, NodeIdentity.class, null);
        tracker.open();
        try {
            NodeIdentity node = tracker.waitForService(10_000);
            assertNotNull("the node bundle registers NodeIdentity", node);
            return node;
        } finally {
            tracker.close();
        }
    }

    static Bundle bySymbolicName(List<Bundle> bundles, String symbolicName) {
        return bundles.stream().filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst().orElse(null);
    }

    /** The management API and the console: both present and ACTIVE (manager and default profiles). */
    static void assertManagementSideActive(List<Bundle> bundles, String profile) {
        for (String symbolicName : new String[] {"io.carbide.management", "io.carbide.console"}) {
            Bundle bundle = bySymbolicName(bundles, symbolicName);
            assertNotNull("the " + profile + " profile carries " + symbolicName, bundle);
            assertEquals(symbolicName, Bundle.ACTIVE, bundle.getState());
        }
    }

    static void assertIdentity(NodeIdentity node, String profile, boolean readOnly, Role... roles) {
        assertEquals(profile, node.profile());
        assertEquals(readOnly, node.isReadOnly());
        assertEquals(Arrays.asList(roles), new ArrayList<>(node.roles()));
    }
}
