package io.carbide.node;

import java.util.Map;

/**
 * A part of the node that reports into its status. Register one as a service (whiteboard): the
 * node bundle puts {@link #status()} under {@link #section()} in {@code bin/status.sh --json},
 * and the client port's {@code /health} merges {@link #health()} and {@link #readiness()}.
 *
 * <p>Values must be JSON-shaped: maps with string keys, lists, strings, numbers, booleans.
 */
public interface NodeStatusContributor {

    /**
     * Service property naming the section a contributor reports, so that other bundles can select
     * one (e.g. {@code (carbide.status.section=cluster)}) and show the same data the same way.
     */
    String SECTION_PROPERTY = "carbide.status.section";

    /** The key this part's status appears under, e.g. {@code members} or {@code artifacts}. */
    String section();

    /** Detailed state for operators; called whenever the status file is rewritten. */
    Object status();

    /** A small public summary merged into {@code /health}; nothing secret. */
    default Map<String, Object> health() {
        return Map.of();
    }

    /**
     * Whether this part lets the node take client traffic, and if not, why: a part that would make
     * the node serve stale or partial content says {@code starting} or {@code lagging}.
     */
    default Readiness readiness() {
        return Readiness.ready();
    }
}
