/**
 * The load a node carries, as the managers see it: the cumulative figures each node sends its
 * managers every few seconds ({@link io.carbide.metrics.LoadProtocol}), from which a manager works
 * out requests per second, latency percentiles and CPU per sub-domain, the signal an autoscaler polls.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.carbide.metrics;
