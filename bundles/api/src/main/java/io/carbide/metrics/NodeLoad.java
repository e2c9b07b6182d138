package io.carbide.metrics;

/** This node's load figures now: offered as a service by the bundle that measures them. */
public interface NodeLoad {

    LoadSample sample();
}
