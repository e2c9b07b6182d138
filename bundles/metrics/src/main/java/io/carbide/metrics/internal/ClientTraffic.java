package io.carbide.metrics.internal;

import io.carbide.deployment.WebAppHost;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures the client traffic a node serves: every request on the client port, in every web
 * application and servlet, counted by status class, with the requests in flight and a latency
 * histogram. The node's own {@code /health} and {@code /metrics} are left out: load balancers and
 * Prometheus ask them every few seconds, and counting them would show load where clients send none.
 * So is a request that nothing on the port serves ({@link WebAppHost#UNSERVED}).
 *
 * <p>The histogram has fixed ("classic") buckets, the same on every node, so the managers can add
 * several nodes' buckets and read a percentile of the whole sub-domain from them.
 */
final class ClientTraffic implements Filter {

    /** Latency bucket bounds in seconds: fine where web requests usually fall, coarse above a second. */
    static final double[] BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final Counter requests;
    private final Gauge inFlight;
    private final Histogram latency;
    private final CounterDataPoint[] byClass = new CounterDataPoint[CLASSES.length];

    ClientTraffic(PrometheusRegistry registry) {
        this.requests = Counter.builder().name("carbide_client_requests_total")
                .help("Client requests answered on the client port, by status class")
                .labelNames("class").register(registry);
        for (int i = 0; i < CLASSES.length; i++) {
            byClass[i] = requests.labelValues(CLASSES[i]); // every class shows, 0 until it happens
        }
        this.inFlight = Gauge.builder().name("carbide_client_requests_in_flight")
                .help("Client requests being served").register(registry);
        this.latency = Histogram.builder().name("carbide_client_request_duration_seconds")
                .help("Time from a client request's arrival to the end of its answer").unit(Unit.SECONDS)
                .classicOnly().classicUpperBounds(BOUNDS).withoutExemplars().register(registry);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (isNodesOwn((HttpServletRequest) request)) {
            chain.doFilter(request, response);
            return;
        }
        long start = System.nanoTime();
        inFlight.inc();
        boolean failed = true;
        try {
            chain.doFilter(request, response);
            failed = false;
        } finally {
            HttpServletResponse answer = (HttpServletResponse) response;
            if (!failed && request.getAttribute(WebAppHost.UNSERVED) != null) {
                inFlight.dec(); // no web application or servlet took it: not client traffic
            } else if (!failed && request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new Completion(start, answer));
            } else {
                // an exception that escaped every servlet becomes a 500 from the container
                done(start, failed ? 500 : answer.getStatus());
            }
        }
    }

    private void done(long start, int status) {
        inFlight.dec();
        int statusClass = status / 100 - 1;
        byClass[statusClass >= 0 && statusClass < CLASSES.length ? statusClass : 4].inc();
        latency.observe((System.nanoTime() - start) / 1e9);
    }

    /** The node's own {@code /health} and {@code /metrics}, as the container matched them (decoded, normalised). */
    private static boolean isNodesOwn(HttpServletRequest request) {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return request.getContextPath().isEmpty() && ("/health".equals(path) || "/metrics".equals(path));
    }

    /** This node's cumulative request figures, for the load it sends its managers. */
    Figures figures() {
        long[] counts = new long[CLASSES.length];
        for (int i = 0; i < CLASSES.length; i++) {
            counts[i] = (long) byClass[i].get();
        }
        HistogramSnapshot.HistogramDataPointSnapshot point = latency.collect().getDataPoints().get(0);
        ClassicHistogramBuckets buckets = point.getClassicBuckets();
        double[] bounds = new double[buckets.size()];
        long[] perBucket = new long[buckets.size()];
        for (int i = 0; i < buckets.size(); i++) {
            bounds[i] = buckets.getUpperBound(i);
            perBucket[i] = buckets.getCount(i);
        }
        return new Figures(counts, (long) inFlight.get(), bounds, perBucket, point.hasSum() ? point.getSum() : 0);
    }

    /** Cumulative request figures; see {@link LoadSample} for each. */
    record Figures(long[] requestsByClass, long inFlight, double[] bucketBounds, long[] bucketCounts,
            double latencySeconds) {
    }

    /** Counts an asynchronous request when its answer is complete, once, whatever ended it. */
    private final class Completion implements AsyncListener {
        private final long start;
        private final HttpServletResponse response;
        private final AtomicBoolean counted = new AtomicBoolean();

        Completion(long start, HttpServletResponse response) {
            this.start = start;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            if (counted.compareAndSet(false, true)) {
                done(start, response.getStatus());
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (counted.compareAndSet(false, true)) {
                done(start, 503);
            }
        }

        @Override
        public void onError(AsyncEvent event) {
            if (counted.compareAndSet(false, true)) {
                done(start, 500);
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
