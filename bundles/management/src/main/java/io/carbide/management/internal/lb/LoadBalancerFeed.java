package io.carbide.management.internal.lb;

import io.carbide.cluster.Cluster;
import io.carbide.deployment.FleetAuthority;
import io.carbide.node.AtomicFile;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the load balancer's configuration in step with the cluster: once a second it asks every
 * node that serves clients for its {@code /health}, renders HAProxy's and nginx's files from the
 * nodes that answer ready ({@link ReadyList} weighs the answers) into the manager's {@code lb/} folder, and when one changed, runs the
 * reload command ({@link LoadBalancerSettings#RELOAD_COMMAND}), so nobody edits or restarts
 * anything by hand as nodes come and go.
 *
 * <p>Only ready nodes are listed because a load balancer counts a server it has just been given
 * as up: a node still starting, catching up or draining would get requests until its first failed
 * check. Between reloads HAProxy's own checks take a node out within two seconds; nginx has none,
 * so for it these probes are the only ones. A reload therefore carries the whole runtime state in
 * the file, and nothing has to be re-applied through the admin socket after it.
 *
 * <p>Every manager writes the files; only the authority reloads, so two managers never race
 * reloads. A reload that fails is one log line and is tried again; the running load balancer keeps
 * what it had.
 */
@Component(service = LoadBalancerFeed.class, immediate = true)
public class LoadBalancerFeed {

    static final String HAPROXY = "haproxy.cfg";
    static final String NGINX_HTTP = "nginx-http.conf";
    static final String NGINX_STREAM = "nginx-stream.conf";
    static final String HAPROXY_SOCKET = "haproxy.sock";
    /** A Unix socket's path must fit in 108 bytes; longer, HAProxy would refuse the whole file. */
    private static final int SOCKET_PATH_LIMIT = 100;
    private static final long RETRY_MILLIS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancerFeed.class);

    private final NodeIdentity node;
    private final Cluster cluster;
    private final FleetAuthority authority;
    private final Optional<LoadBalancerSettings> settings;
    private final Path folder;
    /** HAProxy's admin socket, through which a reload takes over the listening sockets; null if the path is too long. */
    private final String adminSocket;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-lb-feed");
        thread.setDaemon(true);
        return thread;
    });
    /** What each file holds, as this manager last wrote or found it: no file is read back every second. */
    private final Map<String, String> written = new java.util.concurrent.ConcurrentHashMap<>();
    /** Touched only on the ticker's thread. */
    private final ReadyList readyList = new ReadyList();
    private volatile boolean reloadPending;
    private long nextReloadAttempt;
    private String lastFailure = "";

    @Activate
    public LoadBalancerFeed(@Reference NodeIdentity node, @Reference Cluster cluster,
            @Reference FleetAuthority authority, BundleContext context) {
        this.node = node;
        this.cluster = cluster;
        this.authority = authority;
        this.folder = node.base().resolve("lb");
        String socket = folder.toAbsolutePath().resolve(HAPROXY_SOCKET).toString();
        this.adminSocket = socket.length() <= SOCKET_PATH_LIMIT ? socket : null;
        Optional<LoadBalancerSettings> read;
        try {
            read = LoadBalancerSettings.from(context::getProperty);
        } catch (IllegalArgumentException e) {
            LOG.error("No load balancer configuration is generated: {}; fix the property and restart the manager",
                    e.getMessage());
            read = Optional.empty();
        }
        this.settings = read;
        if (settings.isPresent()) {
            LOG.info("Keeping the load balancer's configuration in {} ({} to the nodes that serve clients{})", folder,
                    settings.get().serviceHost(), settings.get().managementHost().isEmpty() ? ""
                            : ", " + settings.get().managementHost() + " to the managers");
            if (adminSocket == null) {
                LOG.warn("The base {} is too deep for HAProxy's admin socket in its lb/ folder, so HAProxy reloads "
                        + "without handing over its listening sockets and may drop a connection at each reload; "
                        + "give the manager a shorter base", node.base());
            }
            reloadPending = true; // the first files written bring a running load balancer in line too
            ticker.scheduleWithFixedDelay(this::refresh, 0, 1, TimeUnit.SECONDS);
        }
    }

    @Deactivate
    void deactivate() {
        // a refresh under way finishes its files (interrupted, a write would fail and say so); no other starts
        ticker.shutdown();
        try {
            if (!ticker.awaitTermination(5, TimeUnit.SECONDS)) {
                ticker.shutdownNow();
            }
        } catch (InterruptedException e) {
            ticker.shutdownNow(); // a reload waiting on its process is not left running after the stop
            Thread.currentThread().interrupt();
        }
    }

    /** The files as last written, by name; empty when no load balancer is configured. */
    public Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        if (settings.isPresent()) {
            for (String name : List.of(HAPROXY, NGINX_HTTP, NGINX_STREAM)) {
                files.put(name, written.getOrDefault(name, ""));
            }
        }
        return files;
    }

    private void refresh() {
        try {
            LoadBalancerSettings lb = settings.orElseThrow();
            Backends all = Backends.of(cluster.view());
            String header = "# Generated by Carbide manager " + node.name() + " from the cluster view, and rewritten "
                    + "as nodes come and go: do not edit.\n\n";
            Backends ready = new Backends(ready(all.service()), all.management());
            boolean changed = write(HAPROXY, HaproxyConfig.render(lb, ready, adminSocket, header));
            changed |= write(NGINX_HTTP, NginxConfig.http(lb, ready, header));
            changed |= write(NGINX_STREAM, NginxConfig.stream(lb, all, header));
            reloadPending |= changed;
            long now = System.currentTimeMillis();
            if (reloadPending && !lb.reloadCommand().isEmpty() && authority.current().isAuthority()
                    && now >= nextReloadAttempt) {
                reload(lb.reloadCommand(), now);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not bring the load balancer's configuration in {} up to date: {}", folder, e.toString());
        }
    }

    /**
     * The servers to list: every one asked for its {@code /health} at once, so a hung node costs one
     * timeout, and the answers weighed by {@link ReadyList}.
     */
    private List<Backends.Server> ready(List<Backends.Server> servers) {
        List<CompletableFuture<ReadyList.Probe>> answers = servers.stream().map(server -> http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://" + server.host() + ":" + server.port() + "/health"))
                        .timeout(Duration.ofMillis(800)).build(), HttpResponse.BodyHandlers.discarding())
                .thenApply(answer -> answer.statusCode() == 200 ? ReadyList.Probe.READY : ReadyList.Probe.NOT_READY)
                .exceptionally(ReadyList.Probe::failed)).toList();
        return readyList.update(servers, answers.stream().map(CompletableFuture::join).toList());
    }

    private boolean write(String name, String content) throws IOException {
        if (content.equals(written.get(name))) {
            return false;
        }
        Path file = folder.resolve(name);
        // after a restart, files that already hold this content are not rewritten, but still reloaded once
        if (!(Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(content))) {
            AtomicFile.write(file, content.getBytes(StandardCharsets.UTF_8));
        }
        written.put(name, content);
        return true;
    }

    /** Runs the reload command; its output goes to lb/reload.log (a daemon it starts may keep it open). */
    private void reload(String command, long now) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", command).directory(folder.toFile())
                .redirectErrorStream(true).redirectOutput(folder.resolve("reload.log").toFile());
        builder.environment().put("CARBIDE_LB_HAPROXY", folder.resolve(HAPROXY).toString());
        builder.environment().put("CARBIDE_LB_NGINX_HTTP", folder.resolve(NGINX_HTTP).toString());
        builder.environment().put("CARBIDE_LB_NGINX_STREAM", folder.resolve(NGINX_STREAM).toString());
        Process process = builder.start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                failed("it did not finish within 30 s", now);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (process.exitValue() != 0) {
            List<String> output = new ArrayList<>(Files.readAllLines(folder.resolve("reload.log")));
            failed("exit code " + process.exitValue() + (output.isEmpty() ? "" : ": " + output.get(0)), now);
            return;
        }
        reloadPending = false;
        lastFailure = "";
        LOG.info("Load balancer reloaded with the configuration in {}", folder);
    }

    private void failed(String why, long now) {
        nextReloadAttempt = now + RETRY_MILLIS;
        if (!why.equals(lastFailure)) {
            lastFailure = why;
            LOG.warn("The load balancer's reload command ({}) failed, {}; the running load balancer keeps its "
                    + "configuration, and the reload is tried again every {} s", LoadBalancerSettings.RELOAD_COMMAND,
                    why, RETRY_MILLIS / 1000);
        }
    }
}
