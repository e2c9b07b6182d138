package io.carbide.management.internal.load;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.SubDomain;
import io.carbide.metrics.LoadProtocol;
import io.carbide.metrics.LoadSample;
import io.carbide.metrics.NodeLoad;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What load every node of the cluster carries, as this manager sees it: the samples nodes send
 * every few seconds (this node's own taken locally), kept for a few minutes, and a point per
 * sub-domain every {@value LoadProtocol#INTERVAL_SECONDS} s for the console's chart. Every manager
 * keeps its own; they agree because every node sends to every manager.
 */
@Component(service = {FleetLoad.class, MessageHandler.class}, immediate = true,
        property = MessageHandler.TYPE + "=" + LoadProtocol.LOAD)
public class FleetLoad implements MessageHandler {

    /** How long samples are kept: the longest window the API offers, with room to spare. */
    static final long KEEP_MILLIS = 5 * 60_000;
    public static final int MAX_WINDOW_SECONDS = 240;
    /** The window behind each chart point: a few samples, so one late sample does not spike it. */
    private static final int POINT_WINDOW_SECONDS = 6;
    private static final int SERIES_POINTS = 90;
    private static final Logger LOG = LoggerFactory.getLogger(FleetLoad.class);

    /** A sample and when this manager received it. */
    record Received(long at, LoadSample sample) {
    }

    /** One point of a sub-domain's chart. */
    public record Point(long at, int nodes, double requestsPerSecond, Double p99Seconds, Double cpu) {
    }

    /** One node's load over a window; the figures are null while it has sent too little. */
    public record NodeFigures(String node, LoadMath.Rate rate) {
    }

    /** A sub-domain's load over a window. */
    public record Load(SubDomain subDomain, int windowSeconds, List<ClusterMember> members, List<NodeFigures> nodes,
            LoadMath.Merged merged, List<Point> series) {
    }

    private final Cluster cluster;
    private final Map<String, Deque<Received>> samples = new ConcurrentHashMap<>();
    private final Map<SubDomain, Deque<Point>> series = new EnumMap<>(SubDomain.class);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "carbide-fleet-load");
        thread.setDaemon(true);
        return thread;
    });

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile NodeLoad local;

    @Activate
    public FleetLoad(@Reference Cluster cluster) {
        this.cluster = cluster;
        for (SubDomain subDomain : SubDomain.values()) {
            series.put(subDomain, new ArrayDeque<>());
        }
        timer.scheduleWithFixedDelay(this::tick, LoadProtocol.INTERVAL_SECONDS, LoadProtocol.INTERVAL_SECONDS,
                TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) {
        try {
            record(from.name(), LoadProtocol.decode(message), System.currentTimeMillis());
        } catch (IOException | RuntimeException e) {
            LOG.info("Skipped a load sample from {} that this manager cannot read ({}); its load shows as unknown",
                    from.name(), e.getMessage());
        }
        return null;
    }

    void record(String node, LoadSample sample, long at) {
        Deque<Received> kept = samples.computeIfAbsent(node, n -> new ArrayDeque<>());
        synchronized (kept) {
            kept.addLast(new Received(at, sample));
            while (!kept.isEmpty() && kept.peekFirst().at() < at - KEEP_MILLIS) {
                kept.removeFirst();
            }
        }
    }

    private void tick() {
        try {
            long now = System.currentTimeMillis();
            NodeLoad own = local;
            if (own != null) {
                record(cluster.view().self().name(), own.sample(), now);
            }
            ClusterView view = cluster.view();
            samples.keySet().removeIf(name -> view.member(name).isEmpty() && newest(name) < now - KEEP_MILLIS);
            for (SubDomain subDomain : SubDomain.values()) {
                Load load = compute(view, subDomain, POINT_WINDOW_SECONDS, now);
                Deque<Point> points = series.get(subDomain);
                synchronized (points) {
                    points.addLast(new Point(now, load.members().size(), load.merged().requestsPerSecond(),
                            load.merged().p99Seconds(), load.merged().cpu()));
                    while (points.size() > SERIES_POINTS) {
                        points.removeFirst();
                    }
                }
            }
        } catch (RuntimeException e) { // a bad tick must not end the schedule
            LOG.warn("Could not work out the cluster's load this time: {}", e.toString());
        }
    }

    private long newest(String node) {
        Deque<Received> kept = samples.get(node);
        if (kept == null) {
            return 0;
        }
        synchronized (kept) {
            return kept.isEmpty() ? 0 : kept.peekLast().at();
        }
    }

    /** The members of a sub-domain now. */
    public List<ClusterMember> members(SubDomain subDomain) {
        return cluster.view().in(subDomain);
    }

    /** One node's client requests over a window, and how many of them answered 5xx. */
    public record Traffic(double requests, double serverErrors, double seconds) {
    }

    /**
     * What {@code node} served over the last {@code windowSeconds}, counting only from samples
     * received at or after {@code sinceMillis} (e.g. since it applied a change, so errors it served
     * before do not count against the change); empty while it has sent too little since.
     */
    public Optional<Traffic> traffic(String node, int windowSeconds, long sinceMillis) {
        return rate(node, windowSeconds, System.currentTimeMillis(), sinceMillis).map(rate -> new Traffic(
                rate.requestsPerSecond() * rate.seconds(), rate.serverErrorsPerSecond() * rate.seconds(), rate.seconds()));
    }

    /** The sub-domain's load over the last {@code windowSeconds}, with its chart so far. */
    public Load load(SubDomain subDomain, int windowSeconds) {
        Load load = compute(cluster.view(), subDomain, windowSeconds, System.currentTimeMillis());
        Deque<Point> points = series.get(subDomain);
        synchronized (points) {
            return new Load(subDomain, windowSeconds, load.members(), load.nodes(), load.merged(), List.copyOf(points));
        }
    }

    private Load compute(ClusterView view, SubDomain subDomain, int windowSeconds, long now) {
        List<ClusterMember> members = view.in(subDomain);
        List<NodeFigures> nodes = new ArrayList<>();
        List<LoadMath.Rate> rates = new ArrayList<>();
        for (ClusterMember member : members) {
            LoadMath.Rate rate = rate(member.name(), windowSeconds, now, Long.MIN_VALUE).orElse(null);
            nodes.add(new NodeFigures(member.name(), rate));
            if (rate != null) {
                rates.add(rate);
            }
        }
        return new Load(subDomain, windowSeconds, members, nodes, LoadMath.merge(rates), List.of());
    }

    /**
     * A node's rate between its newest sample and the newest one at least {@code windowSeconds}
     * older (or its oldest of the same run, when it has sent for less time); empty for a node that
     * sent nothing lately.
     */
    private Optional<LoadMath.Rate> rate(String node, int windowSeconds, long now, long notBefore) {
        Deque<Received> kept = samples.get(node);
        if (kept == null) {
            return Optional.empty();
        }
        synchronized (kept) {
            Received newest = kept.peekLast();
            if (newest == null || newest.at() < now - 3L * LoadProtocol.INTERVAL_SECONDS * 1000) {
                return Optional.empty(); // silent: its old figures would be a lie now
            }
            Received older = null;
            var descending = kept.descendingIterator();
            descending.next();
            while (descending.hasNext()) {
                Received candidate = descending.next();
                if (candidate.sample().startedAt() != newest.sample().startedAt() || candidate.at() < notBefore) {
                    break;
                }
                older = candidate;
                if (newest.sample().nanos() - candidate.sample().nanos() >= windowSeconds * 1_000_000_000L) {
                    break;
                }
            }
            return older == null ? Optional.empty() : Optional.ofNullable(LoadMath.between(older.sample(), newest.sample()));
        }
    }
}
