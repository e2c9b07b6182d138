package io.carbide.serving.internal;

import io.carbide.deployment.WebAppHost;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.Servlet;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts each published web application on the client port at {@code /<name>/}: Jetty's own resource
 * handling for each ({@link WebAppResources}), found by name by the one servlet all of them share
 * ({@link WebAppRouter}, registered once with the servlet whiteboard). A new version replaces the
 * old one in a single step: a request is answered by the one or the other, whole.
 *
 * <p>Its configuration, PID {@value #PID}, is best deployed as {@code io.carbide.serving.cfg} into
 * the manager's {@code deploy/}: every worker then serves alike. {@code cacheControl} is the
 * {@code Cache-Control} of every web application's files (none by default: browsers revalidate
 * with the ETag), {@code cacheControl.NAME} that of web application NAME. {@code cacheMegabytes}
 * (default 16, 0 for none) is the memory each web application keeps its small files in.
 */
@Component(service = WebAppHost.class, configurationPid = StaticWebApps.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class StaticWebApps implements WebAppHost {

    static final String PID = "io.carbide.serving";
    private static final Logger LOG = LoggerFactory.getLogger(StaticWebApps.class);
    /** Memory for each web application's most used files, unless configured: a worker's heap is small. */
    private static final int CACHE_MEGABYTES = 16;
    private static final int CACHED_FILE_BYTES = 256 * 1024;

    private final NodeIdentity node;
    private final WebAppRouter router = new WebAppRouter();
    private final ServiceRegistration<Servlet> registration;
    private final Map<String, Path> roots = new ConcurrentHashMap<>();
    private volatile Map<String, Object> settings;
    private volatile Map<String, String> common;

    @Activate
    public StaticWebApps(@Reference NodeIdentity node, BundleContext context, Map<String, Object> settings) {
        this.node = node;
        this.settings = settings;
        this.common = common(settings);
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/");
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "carbide-webapps");
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.clientHttpTarget());
        this.registration = context.registerService(Servlet.class, router, properties);
    }

    /** New settings: every web application is published again with them. */
    @Modified
    synchronized void modified(Map<String, Object> settings) {
        this.settings = settings;
        this.common = common(settings);
        roots.forEach(this::register);
        LOG.info("Web application settings changed ({}): {} web applications serve with them", PID, roots.size());
    }

    @Override
    public synchronized void publish(String name, Path root) {
        roots.put(name, root);
        register(name, root);
        LOG.info("Serving web application {} at http://127.0.0.1:{}/{}/", name, node.clientPort(), name);
    }

    private void register(String name, Path root) {
        Map<String, String> jetty = new HashMap<>(common);
        jetty.put("baseResource", root.toUri().toString());
        String cacheControl = cacheControl(name);
        if (!cacheControl.isEmpty()) {
            jetty.put("cacheControl", cacheControl);
        }
        router.put(name, new WebAppResources(name, jetty, router::getServletContext));
    }

    /** Jetty's settings that every web application shares, read once for each configuration. */
    private static Map<String, String> common(Map<String, Object> settings) {
        Map<String, String> jetty = new HashMap<>();
        jetty.put("dirAllowed", "false");
        jetty.put("etags", "true");
        jetty.put("precompressed", "true"); // index.html.gz or .br beside index.html, when the client takes it
        jetty.put("welcomeServlets", "false");
        jetty.put("redirectWelcome", "false");
        // Jetty would add a check for aliases (symbolic links) of each folder to the client port's
        // context, and never take it away: one more for every version ever published. An unpacked
        // application holds no links, so an alias is not served at all.
        jetty.put("allowAliases", "false");
        // small files are kept in memory, checked against the disk at most once a second
        jetty.put("maxCacheSize", String.valueOf(cacheBytes(settings)));
        jetty.put("maxCachedFileSize", String.valueOf(CACHED_FILE_BYTES));
        jetty.put("maxCachedFiles", "2048");
        return Map.copyOf(jetty);
    }

    private static int cacheBytes(Map<String, Object> settings) {
        Object configured = settings.get("cacheMegabytes");
        if (configured != null) {
            try {
                return Math.max(0, Math.min(1024, Integer.parseInt(configured.toString().strip()))) * 1024 * 1024;
            } catch (NumberFormatException e) {
                LOG.warn("{}: cacheMegabytes = '{}' is not a number of megabytes; {} is used", PID, configured,
                        CACHE_MEGABYTES);
            }
        }
        return CACHE_MEGABYTES * 1024 * 1024;
    }

    private String cacheControl(String name) {
        Map<String, Object> current = settings;
        Object own = current.get("cacheControl." + name);
        Object all = current.get("cacheControl");
        return own != null ? own.toString().strip() : all != null ? all.toString().strip() : "";
    }

    @Override
    public synchronized void unpublish(String name) {
        roots.remove(name);
        if (router.remove(name)) {
            LOG.info("Stopped serving web application {}", name);
        }
    }

    @Deactivate
    void close() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework is stopping
        }
    }
}
