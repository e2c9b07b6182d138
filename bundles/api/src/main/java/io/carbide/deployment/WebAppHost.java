package io.carbide.deployment;

import java.nio.file.Path;

/** Serves static web applications on the client port, each under {@code /<name>/}. */
public interface WebAppHost {

    /**
     * The request attribute the host sets on a client request whose path names no web application
     * it serves (and answers 404). Such a request is no client traffic, as one that no servlet
     * takes is not: the client metrics leave it out, so that a poller or a scanner asking for what
     * is not there does not dilute a canary's error rate.
     */
    String UNSERVED = "io.carbide.deployment.unserved";

    /** Serves the files under {@code root} at {@code /<name>/}, replacing what was there. */
    void publish(String name, Path root);

    /** Stops serving {@code /<name>/}. */
    void unpublish(String name);
}
