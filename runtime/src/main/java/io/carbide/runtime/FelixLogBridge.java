package io.carbide.runtime;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the framework's own messages (bundle start failures, resolver warnings) to the node's
 * log instead of standard output. Felix takes it as {@code felix.log.logger}.
 */
public final class FelixLogBridge extends org.apache.felix.framework.Logger {

    private static final Logger LOG = LoggerFactory.getLogger("org.apache.felix.framework");

    @Override
    @SuppressWarnings("rawtypes")
    protected void doLog(Bundle bundle, ServiceReference service, int level, String message, Throwable error) {
        String text = bundle == null ? message : bundle.getSymbolicName() + " [" + bundle.getBundleId() + "]: " + message;
        switch (level) {
            case LOG_ERROR -> LOG.error(text, error);
            case LOG_WARNING -> LOG.warn(text, error);
            case LOG_INFO -> LOG.info(text, error);
            default -> LOG.debug(text, error);
        }
    }
}
