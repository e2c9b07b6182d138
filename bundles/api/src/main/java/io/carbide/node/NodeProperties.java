package io.carbide.node;

/**
 * Names of the framework properties through which the launcher tells bundles who the node is.
 * Bundles should read {@link NodeIdentity} instead; these names are for the launcher, tests and
 * tools that set up a framework by hand.
 */
public final class NodeProperties {
    public static final String NAME = "carbide.node.name";
    public static final String PROFILE = "carbide.profile";
    /** Comma-separated role labels, e.g. {@code worker,manager}. */
    public static final String ROLES = "carbide.roles";
    public static final String PORT_OFFSET = "carbide.portOffset";
    public static final String CLIENT_PORT = "carbide.port.client";
    public static final String MANAGEMENT_PORT = "carbide.port.management";
    public static final String CLUSTER_PORT = "carbide.port.cluster";
    public static final String HOME = "carbide.home";
    public static final String BASE = "carbide.base";
    public static final String VERSION = "carbide.version";
    /** The management port's bind address; 127.0.0.1 unless set. */
    public static final String MANAGEMENT_HOST = "carbide.management.host";
    /** {@code false} serves the management port as plain HTTP (behind a TLS proxy); HTTPS otherwise. */
    public static final String MANAGEMENT_SECURE = "carbide.management.secure";

    /**
     * Set (to {@code true}) by the launcher as a system property the moment the node is asked to
     * stop, so that {@code /health} says {@code draining} before anything stops serving. A system
     * property because it changes after the framework started; Felix lets bundles read it.
     */
    public static final String DRAINING = "carbide.node.draining";
    /**
     * Set by the node as a system property, to one line, when a part of it cannot work and stops
     * the node (see {@link NodeLifecycle#stopForFailure}); the launcher prints it and exits with 2.
     */
    public static final String FAILURE = "carbide.node.failure";

    /** The well-known ports before the offset is added; WSO2 users know them. */
    public static final int DEFAULT_CLIENT_PORT = 9763;
    public static final int DEFAULT_MANAGEMENT_PORT = 9443;
    public static final int DEFAULT_CLUSTER_PORT = 4000;
    /** The managers' own channel (their consensus), on managers only. */
    public static final int DEFAULT_MANAGERS_PORT = 4500;

    private NodeProperties() {
    }
}
