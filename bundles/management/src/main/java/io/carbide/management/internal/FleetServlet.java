package io.carbide.management.internal;

import io.carbide.management.internal.auth.ManagementSecurity;
import io.carbide.management.internal.auth.UserRole;
import io.carbide.management.internal.auth.Sessions;
import io.carbide.node.NodeIdentity;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/fleet} is the whole {@link FleetView} at once; {@code GET /api/events} streams
 * it as server-sent events ({@code event: fleet}) whenever it changes, so the console follows
 * nodes joining, leaving and converging without reloading. One thread looks for changes every
 * {@value #CHECK_MILLIS} ms, and only while someone is watching; a comment line every 15 s keeps
 * idle connections open through proxies.
 */
@Component(immediate = true)
public class FleetServlet extends ManagementServlet {

    private static final long serialVersionUID = 1L;
    static final long CHECK_MILLIS = 250;
    private static final long KEEP_ALIVE_MILLIS = 15_000;
    private static final Logger LOG = LoggerFactory.getLogger(FleetServlet.class);

    private final transient FleetView fleet;
    private final transient List<Watcher> watchers = new CopyOnWriteArrayList<>();
    /** Writes to the watchers, each watcher's in order: a stalled one holds up only its own writes. */
    private final transient ExecutorService writers = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "carbide-console-writer");
        thread.setDaemon(true);
        return thread;
    });
    private final transient ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-console-events");
        thread.setDaemon(true);
        return thread;
    });
    private transient String lastSent = "";
    private transient long lastWrite;

    private final transient Sessions sessions;

    @Activate
    public FleetServlet(@Reference NodeIdentity node, @Reference FleetView fleet, @Reference Sessions sessions,
            BundleContext context) {
        this.fleet = fleet;
        this.sessions = sessions;
        checker.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        publish(context, node, "/api/fleet", "/api/events");
    }

    @Deactivate
    void deactivate() {
        withdraw();
        checker.shutdownNow();
        for (Watcher watcher : watchers) {
            watcher.close();
        }
        watchers.clear();
        writers.shutdownNow();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if ("/api/fleet".equals(request.getServletPath())) {
            Json.write(response, 200, ConfigurationDigests.forRequest(request, fleet.snapshot()));
            return;
        }
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Accel-Buffering", "no");
        AsyncContext context = request.startAsync();
        context.setTimeout(0);
        Watcher watcher = new Watcher(context, (String) request.getAttribute(ManagementSecurity.SESSION_ATTRIBUTE),
                request.getAttribute(ManagementSecurity.ROLE_ATTRIBUTE) == UserRole.ADMIN);
        // the newcomer gets the current picture at once, the others only when it changes; taken under
        // the same lock as the check, so no newer picture can be queued before this one
        synchronized (this) {
            Map<String, Object> picture = fleet.snapshot();
            String snapshot = Json.compact(picture);
            if (watchers.isEmpty()) {
                lastSent = snapshot;
            }
            watchers.add(watcher);
            watcher.offer("retry: 2000\nevent: fleet\ndata: " + (watcher.admin ? snapshot
                    : Json.compact(ConfigurationDigests.hidden(picture))) + "\n\n");
        }
    }

    private synchronized void check() {
        if (watchers.isEmpty()) {
            lastSent = "";
            return;
        }
        try {
            Map<String, Object> picture = fleet.snapshot();
            String snapshot = Json.compact(picture);
            long now = System.currentTimeMillis();
            if (!snapshot.equals(lastSent)) {
                lastSent = snapshot;
                String hidden = Json.compact(ConfigurationDigests.hidden(picture));
                for (Watcher watcher : watchers) {
                    watcher.offer("event: fleet\ndata: " + (watcher.admin ? snapshot : hidden) + "\n\n");
                }
            } else if (now - lastWrite > KEEP_ALIVE_MILLIS) {
                broadcast(": keep-alive\n\n");
            } else {
                return;
            }
            lastWrite = now;
        } catch (RuntimeException e) {
            LOG.warn("Could not update the console's live view: {}", e.toString());
        }
    }

    private void broadcast(String event) {
        for (Watcher watcher : watchers) {
            watcher.offer(event);
        }
    }

    /**
     * One console watching. Writes go through the shared writer threads, one at a time per
     * watcher; while one is under way, newer events wait and only the latest is sent (each is
     * the whole picture). A watcher that stopped reading keeps one writer thread until Jetty's
     * idle timeout fails its write; it never holds up the check or the other watchers.
     */
    private final class Watcher {
        private final AsyncContext context;
        /** The console's session, if it watches with one: the stream ends with the session (a password change). */
        private final String session;
        /** Whether its user may see configurations' digests ({@link ConfigurationDigests}). */
        private final boolean admin;
        private final AtomicReference<String> next = new AtomicReference<>();
        private final AtomicBoolean writing = new AtomicBoolean();

        Watcher(AsyncContext context, String session, boolean admin) {
            this.context = context;
            this.session = session;
            this.admin = admin;
        }

        void offer(String event) {
            if (event.startsWith(":")) {
                next.compareAndSet(null, event); // a keep-alive never replaces a picture still to be sent
            } else {
                next.set(event);
            }
            if (writing.compareAndSet(false, true)) {
                try {
                    writers.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    writing.set(false);
                }
            }
        }

        private void drain() {
            try {
                for (String event; (event = next.getAndSet(null)) != null; ) {
                    if (!send(event)) {
                        watchers.remove(this);
                        return;
                    }
                }
            } finally {
                writing.set(false);
            }
            if (next.get() != null) {
                offer(next.get()); // offered while this drain was finishing
            }
        }

        /** False when the watcher has gone (a closed tab): its connection is then closed too. */
        private boolean send(String event) {
            if (session != null && sessions.user(session).isEmpty()) { // a live view keeps its session, until it ends
                close();
                return false;
            }
            try {
                PrintWriter writer = context.getResponse().getWriter();
                writer.write(event);
                writer.flush();
                if (writer.checkError()) {
                    throw new IOException("connection closed");
                }
                return true;
            } catch (IOException | IllegalStateException e) {
                close();
                return false;
            }
        }

        void close() {
            try {
                context.complete();
            } catch (IllegalStateException alreadyDone) {
                // the container closed it first
            }
        }
    }
}
