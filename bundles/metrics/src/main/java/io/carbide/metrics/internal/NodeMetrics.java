package io.carbide.metrics.internal;

import io.carbide.cluster.Cluster;
import io.carbide.deployment.DeploymentProgress;
import io.carbide.metrics.LoadSample;
import io.carbide.metrics.NodeLoad;
import io.carbide.node.NodeIdentity;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's metrics: client traffic measured on the client port, the JVM's and the process's
 * figures, and replication. Prometheus scrapes them at {@code /metrics} on the client port (unless
 * {@value #ENABLED}{@code =false}); the same traffic figures go to the managers every few seconds
 * as this node's load.
 *
 * <p>{@code /metrics} asks for no credentials, like {@code /health}: it names no secret, and the
 * load balancer configurations Carbide generates answer 404 for it, so only whoever reaches a node's
 * client port directly (Prometheus, an operator) reads it.
 */
@Component(immediate = true, service = NodeLoad.class)
public class NodeMetrics implements NodeLoad {

    static final String ENABLED = "carbide.metrics.enabled";
    private static final Logger LOG = LoggerFactory.getLogger(NodeMetrics.class);

    private final ClientTraffic traffic;
    private final LoadReporter reporter;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private boolean jvmMetricsRegistered; // guarded by this
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final int processors = Runtime.getRuntime().availableProcessors();
    /** When these counters started: a manager that sees it change knows they started again from 0. */
    private final long countingSince = System.currentTimeMillis();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile DeploymentProgress deployment;

    @Activate
    public NodeMetrics(@Reference NodeIdentity node, @Reference Cluster cluster, BundleContext context) {
        this.traffic = new ClientTraffic(registry);
        Info.builder().name("carbide_node_info").help("The node's name, profile and version")
                .labelNames("node", "profile", "version").register(registry)
                .setLabelValues(node.name(), node.profile(), node.version());
        DeploymentGauges.register(registry, () -> deployment);

        Hashtable<String, Object> filter = new Hashtable<>();
        filter.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_PATTERN, "/*");
        filter.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.clientHttpTarget());
        // every web application's context, not only the default one
        filter.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT, "(osgi.http.whiteboard.context.name=*)");
        filter.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_ASYNC_SUPPORTED, true);
        filter.put(org.osgi.framework.Constants.SERVICE_RANKING, Integer.MAX_VALUE); // first, to time it all
        registrations.add(context.registerService(Filter.class, traffic, filter));

        if (!"false".equalsIgnoreCase(String.valueOf(context.getProperty(ENABLED)).strip())) {
            Hashtable<String, Object> servlet = new Hashtable<>();
            servlet.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/metrics");
            servlet.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, node.clientHttpTarget());
            registrations.add(context.registerService(Servlet.class, new MetricsServlet(this::scraped), servlet));
        }
        this.reporter = new LoadReporter(cluster, this);
    }

    /**
     * The registry as a scrape reads it: the JVM's own metrics join it on the first scrape, not at
     * start, where setting them up (the platform MBean server, the JVM's management beans) took 60 to
     * 150 ms of a worker's start, and nothing reads them before the first scrape.
     */
    private synchronized PrometheusRegistry scraped() {
        if (!jvmMetricsRegistered) {
            jvmMetricsRegistered = true;
            registerJvmMetrics(registry);
        }
        return registry;
    }

    /**
     * The standard JVM and process metrics ({@code jvm_*}, {@code process_*}), by their usual names
     * so existing dashboards work. The allocation metrics are left out: they add a listener to every
     * garbage collector that nothing could remove when this bundle stops.
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        try {
            JvmThreadsMetrics.builder().register(registry);
            JvmBufferPoolMetrics.builder().register(registry);
            JvmClassLoadingMetrics.builder().register(registry);
            JvmGarbageCollectorMetrics.builder().register(registry);
            JvmMemoryMetrics.builder().register(registry);
            JvmRuntimeInfoMetric.builder().register(registry);
            ProcessMetrics.builder().register(registry);
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("Some JVM metrics are not available on this JVM ({}); client and replication metrics are", e.toString());
        }
    }

    @Deactivate
    void deactivate() {
        reporter.close();
        for (ServiceRegistration<?> registration : registrations) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework is stopping
            }
        }
    }

    @Override
    public LoadSample sample() {
        ClientTraffic.Figures figures = traffic.figures();
        return new LoadSample(countingSince, System.nanoTime(), figures.requestsByClass(), figures.inFlight(),
                figures.bucketBounds(), figures.bucketCounts(), figures.latencySeconds(), processCpuNanos(),
                processors, memory.getHeapMemoryUsage().getUsed());
    }

    /**
     * The process's CPU time, as the operating system counts it (to its clock tick, 10 ms here;
     * samples are seconds apart and cumulative). Not through JMX: reading the attribute there
     * created the platform MBean server in every node within seconds of its start, some 10 MB of
     * resident memory and 80 ms of CPU that nothing else uses.
     */
    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }
}
