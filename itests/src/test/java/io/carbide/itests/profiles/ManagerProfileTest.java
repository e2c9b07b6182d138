package io.carbide.itests.profiles;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.carbide.itests.support.ProfileOptions;
import io.carbide.node.NodeIdentity;
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
import org.osgi.framework.ServiceReference;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.service.servlet.runtime.dto.RuntimeDTO;
import org.osgi.service.servlet.runtime.dto.ServletContextDTO;
import org.osgi.service.servlet.runtime.dto.ServletDTO;

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

    /**
     * Every servlet on the management port sits behind its one security boundary: the whiteboard
     * context carbide.management, whose handleSecurity runs first. No servlet or resource is in any
     * other context of that port.
     */
    @Test
    public void noManagementServletIsReachableOutsideTheSecurityBoundary() throws Exception {
        ProfileBundleSetChecks.awaitAllActive(context);
        int port = ProfileBundleSetChecks.identity(context).managementPort();
        long deadline = System.currentTimeMillis() + 60_000;
        RuntimeDTO runtime = null;
        List<String> guarded = List.of();
        List<String> expected = List.of("/api/login", "/api/artifacts/*", "/api/config/*", "/api/users/*", "/console/*");
        while (System.currentTimeMillis() < deadline) {
            runtime = managementRuntime(port);
            guarded = new java.util.ArrayList<>();
            if (runtime != null) {
                for (ServletContextDTO servletContext : runtime.servletContextDTOs) {
                    if (servletContext.name.equals(NodeIdentity.MANAGEMENT_CONTEXT)) {
                        for (ServletDTO servlet : servletContext.servletDTOs) {
                            guarded.addAll(java.util.Arrays.asList(servlet.patterns));
                        }
                    }
                }
            }
            if (guarded.containsAll(expected)) {
                break;
            }
            Thread.sleep(200);
        }
        assertNotNull("a whiteboard runtime for the management port " + port, runtime);
        assertTrue("the management API and the console are behind the boundary: " + guarded,
                guarded.containsAll(expected));
        for (ServletContextDTO servletContext : runtime.servletContextDTOs) {
            if (!servletContext.name.equals(NodeIdentity.MANAGEMENT_CONTEXT)) {
                List<String> outside = new java.util.ArrayList<>();
                for (ServletDTO servlet : servletContext.servletDTOs) {
                    outside.add(servlet.name + " " + java.util.Arrays.toString(servlet.patterns));
                }
                assertEquals("servlets in context " + servletContext.name + ": " + outside, 0, outside.size());
                assertEquals("resources in context " + servletContext.name, 0, servletContext.resourceDTOs.length);
            }
        }
        assertEquals("servlets the whiteboard could not place", 0, runtime.failedServletDTOs.length);
    }

    private RuntimeDTO managementRuntime(int port) throws Exception {
        for (ServiceReference<HttpServiceRuntime> reference : context.getServiceReferences(HttpServiceRuntime.class, null)) {
            Object secure = reference.getProperty("org.osgi.service.http.port.secure");
            Object plain = reference.getProperty("org.osgi.service.http.port");
            if (String.valueOf(port).equals(String.valueOf(secure)) || String.valueOf(port).equals(String.valueOf(plain))) {
                HttpServiceRuntime runtime = context.getService(reference);
                try {
                    return runtime.getRuntimeDTO();
                } finally {
                    context.ungetService(reference);
                }
            }
        }
        return null;
    }
}
