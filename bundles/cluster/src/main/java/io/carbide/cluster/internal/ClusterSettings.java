package io.carbide.cluster.internal;

import io.carbide.node.NodeIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jgroups.util.Util;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster settings of a node, read from framework properties ({@code conf/carbide.properties},
 * a profile, or {@code -D}):
 *
 * <ul>
 * <li>{@code carbide.cluster.domain}: the cluster domain, default {@code carbide}</li>
 * <li>{@code carbide.cluster.stack}: {@code tcp} (well-known members, the default) or {@code udp}
 *     (multicast), the name of a stack file in {@code conf/cluster/}</li>
 * <li>{@code carbide.cluster.bindAddress}: default {@code 127.0.0.1}; the address the other nodes
 *     reach this one at, which it also tells them (its content port, its managers' address), so
 *     never a wildcard such as {@code 0.0.0.0}</li>
 * <li>{@code carbide.cluster.wellKnownMembers}: {@code host[port]} list for TCPPING; the manager
 *     should be one of them</li>
 * <li>{@code carbide.cluster.enabled}: {@code false} keeps the node out of any cluster</li>
 * <li>{@code carbide.cluster.allowWeakSecret}: {@code true} accepts a cluster secret shorter than
 *     32 characters (refused otherwise: a short secret can be guessed from captured traffic)</li>
 * <li>{@code carbide.cluster.contentPort}: the port artifact content travels on between members
 *     ({@link ContentPort}), bound like the cluster port; default 4200 + offset, {@code 0} for any
 *     free port (announced to the others in the node's member description), {@code off} for none
 *     (content then travels over the cluster channel, slower)</li>
 * <li>{@code carbide.cluster.joinTimeout}: how long a joining node waits for the members it asks
 *     to answer before it starts a domain of its own (milliseconds, or {@code 500ms}, {@code 3s};
 *     100 ms to 10 s); default 500 on a manager that votes alone, which may be the first of its
 *     domain, and 3000 on a worker, which alone serves nothing and would find its managers only by
 *     a merge, 10-15 s later, and on a manager with other voting managers, which alone commits
 *     nothing ({@link #defaultJoinTimeout}). The join goes on at the first answer; the stack asks again within the
 *     wait ({@code num_discovery_runs}), as a request can be lost (see {@code conf/cluster/tcp.xml}).</li>
 * </ul>
 * The port is the node's cluster port, 4000 + offset. The members this node last knew, and where,
 * are kept in {@code data/cluster-discovery/} ({@link #discoveryCache}), so that a node that
 * restarts asks them too, not only its well-known members: a lone manager's workers are then in its
 * view as soon as it is up, where they were found only by a merge 10 to 20 s later. A setting the node cannot use leaves it
 * out of its cluster with {@link #problem} saying which and what to write instead: its
 * {@code /health} answers 503 with that line, where a node that failed to start its cluster
 * component ran on in no cluster, answering {@code /health} as ready, with nothing in its log.
 */
record ClusterSettings(boolean enabled, String domain, String stack, Path stackFile, String bindAddress, int port,
        String wellKnownMembers, boolean allowWeakSecret, int contentPort, long joinTimeoutMillis, Path discoveryCache,
        String problem) {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSettings.class);

    /** {@link #contentPort} when the node has none. */
    static final int NO_CONTENT_PORT = -1;
    private static final int CONTENT_PORT_BASE = 4200;

    private static final Pattern WELL_KNOWN = Pattern.compile("[^\\s,\\[\\]]+\\[\\d{1,5}\\](\\s*,\\s*[^\\s,\\[\\]]+\\[\\d{1,5}\\])*");

    static ClusterSettings from(BundleContext context, NodeIdentity node) {
        String stack = property(context, "carbide.cluster.stack", "tcp");
        String bind = property(context, "carbide.cluster.bindAddress", "127.0.0.1");
        String wellKnown = property(context, "carbide.cluster.wellKnownMembers",
                bind + "[" + node.clusterPort() + "]");
        List<String> problems = new ArrayList<>();
        if (isWildcard(bind)) {
            problems.add("carbide.cluster.bindAddress '" + bind + "' is every address of this host, which the other "
                    + "nodes cannot reach it at: name the one they can, e.g. this host's address on the cluster's network");
        }
        if (!WELL_KNOWN.matcher(wellKnown).matches()) {
            problems.add("carbide.cluster.wellKnownMembers '" + wellKnown + "' is not a list of host[port], e.g. "
                    + "127.0.0.1[4001],127.0.0.1[4002]");
        }
        String contentValue = property(context, "carbide.cluster.contentPort",
                String.valueOf(CONTENT_PORT_BASE + node.portOffset()));
        OptionalInt contentPort = contentPort(contentValue);
        if (contentPort.isEmpty()) {
            problems.add("carbide.cluster.contentPort '" + contentValue + "' is not a port number, 0 (any free port) "
                    + "or off");
        }
        String problem = problems.isEmpty() ? "" : String.join("; ", problems) + ": fix it in conf/carbide.properties "
                + "(or the -D option) and restart node " + node.name();
        return new ClusterSettings(Boolean.parseBoolean(property(context, "carbide.cluster.enabled", "true")),
                property(context, "carbide.cluster.domain", "carbide"), stack, stackFile(node, stack), bind,
                node.clusterPort(), wellKnown,
                Boolean.parseBoolean(property(context, "carbide.cluster.allowWeakSecret", "false")),
                contentPort.orElse(NO_CONTENT_PORT),
                joinTimeout(property(context, "carbide.cluster.joinTimeout", ""), defaultJoinTimeout(
                        node.hasRole(io.carbide.node.Role.MANAGER), property(context, "carbide.managers", node.name()))),
                node.base().resolve("data/cluster-discovery"), problem);
    }

    /**
     * Whether an address is the wildcard ({@code 0.0.0.0}, {@code ::}): a node bound to it would
     * tell the others that address for its content port and its managers' consensus, and a peer
     * that connects to it reaches its own host. Only literals are looked at: a host name is never
     * resolved here.
     */
    static boolean isWildcard(String address) {
        String literal = address.strip();
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        boolean ipv4 = literal.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = literal.contains(":") && literal.matches("[0-9a-fA-F.:]+");
        if (!ipv4 && !ipv6) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(literal).isAnyLocalAddress(); // a literal: no lookup
        } catch (java.net.UnknownHostException notAnAddress) {
            return false;
        }
    }

    static final long MANAGER_JOIN_TIMEOUT_MILLIS = 500;
    static final long WORKER_JOIN_TIMEOUT_MILLIS = 3_000;

    /**
     * The join wait a node takes unless told otherwise. Only a manager that votes alone (or a
     * default node) may well be the first of its domain, and starts one soon. A worker, and a
     * manager with other voting managers ({@code carbide.managers} lists more than itself), are of
     * no use alone: a manager cannot commit without a majority. They wait as long as a worker does.
     * Managers started together on a busy machine gave up after 500 ms, each began a domain of its
     * own, and met only by a merge 5-15 s later, before they could form their consensus.
     */
    static long defaultJoinTimeout(boolean manager, String managersListed) {
        long voters = java.util.Arrays.stream(managersListed.split(",")).map(String::strip)
                .filter(name -> !name.isEmpty()).distinct().count();
        return manager && voters <= 1 ? MANAGER_JOIN_TIMEOUT_MILLIS : WORKER_JOIN_TIMEOUT_MILLIS;
    }

    /**
     * The join wait in milliseconds: a number of milliseconds, or with {@code ms} or {@code s} as
     * the stack files write times. Anything else, or outside 100 ms to 10 s, is warned about and
     * the role's default taken: a node left out of its cluster by a typo would serve nothing, and a
     * longer wait would hold up a stop that comes during a join (JGroups closes a channel only
     * once its join is over).
     */
    static long joinTimeout(String value, long fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            // read as JGroups reads the times in its stack files (3000, 500ms, 3s)
            long millis = Util.readDurationLong(value.strip().toLowerCase(Locale.ROOT), TimeUnit.MILLISECONDS);
            if (millis >= 100 && millis <= 10_000) {
                return millis;
            }
        } catch (RuntimeException e) {
            // warned below
        }
        LOG.warn("carbide.cluster.joinTimeout = '{}' is not a time from 100 ms to 10 s (e.g. 3000, 500ms, 3s); "
                + "using {} ms", value, fallback);
        return fallback;
    }

    /**
     * The content port a setting names: a port, 0 for any free port, or {@link #NO_CONTENT_PORT}
     * for "off"; empty for anything else, which {@link #from} says in {@link #problem}.
     */
    static OptionalInt contentPort(String value) {
        if ("off".equalsIgnoreCase(value.strip())) {
            return OptionalInt.of(NO_CONTENT_PORT);
        }
        try {
            int port = Integer.parseInt(value.strip());
            if (port >= 0 && port <= 65535) {
                return OptionalInt.of(port);
            }
        } catch (NumberFormatException e) {
            // said by the caller
        }
        return OptionalInt.empty();
    }

    /** How this node finds the others, for messages: {@code well-known members 127.0.0.1[4001]}. */
    String discovery() {
        return "udp".equals(stack) ? "multicast discovery (stack " + stack + ")" : "well-known members " + wellKnownMembers;
    }

    /** A node's own conf/ wins over the installation's. */
    private static Path stackFile(NodeIdentity node, String stack) {
        Path own = node.base().resolve("conf/cluster").resolve(stack + ".xml");
        return Files.isRegularFile(own) ? own : node.home().resolve("conf/cluster").resolve(stack + ".xml");
    }

    private static String property(BundleContext context, String key, String fallback) {
        String value = context.getProperty(key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
