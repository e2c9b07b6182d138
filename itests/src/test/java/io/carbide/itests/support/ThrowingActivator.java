package io.carbide.itests.support;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * The activator of a bundle that never starts, as a broken release would: packed into a test
 * bundle by {@link Artifacts#failingBundle}.
 */
public class ThrowingActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("this release is broken: its activator throws on start");
    }

    @Override
    public void stop(BundleContext context) {
    }
}
