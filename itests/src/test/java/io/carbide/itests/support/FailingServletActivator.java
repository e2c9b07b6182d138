package io.carbide.itests.support;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * The activator of a release that starts fine but answers every request at {@code /failing} with
 * 500, as a release with a broken dependency behind it would: packed into a test bundle by
 * {@link Artifacts#failingServletBundle}.
 */
public class FailingServletActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("osgi.http.whiteboard.servlet.pattern", "/failing");
        context.registerService(Servlet.class, new Failing(), properties);
    }

    @Override
    public void stop(BundleContext context) {
    }

    /** Always a server error. */
    public static class Failing extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.sendError(500, "this release is broken");
        }
    }
}
