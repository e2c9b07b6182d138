package io.carbide.node;

import java.util.List;

/**
 * Whether a part of the node is fit for client traffic, in the one state model every feature
 * shares ({@code /health}, {@code status.sh --json}, load balancers):
 *
 * <ul>
 * <li>{@link State#STARTING}: not yet caught up with a manager since start;</li>
 * <li>{@link State#READY}: caught up at least once since start (applying a newer revision keeps it
 *     ready), or serving a verified local copy when no manager could be reached;</li>
 * <li>{@link State#LAGGING}: behind its manager, without progress, for longer than allowed;</li>
 * <li>{@link State#DRAINING}: stopping; still serving until the drain time is over;</li>
 * <li>{@link State#REFUSED}: the cluster refused this node, or it has nothing to serve and no
 *     manager is reachable.</li>
 * </ul>
 * Every state but {@code READY} answers 503, and each carries a reason an operator can act on.
 *
 * @param reason one sentence; empty for a plain ready
 */
public record Readiness(State state, String reason) {

    /** The states, least severe first: the node reports the most severe of its parts. */
    public enum State {
        READY, LAGGING, STARTING, REFUSED, DRAINING;

        /** As it appears in JSON: {@code ready}, {@code starting}, ... */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The HTTP status {@code /health} answers in this state. */
        public int httpStatus() {
            return this == READY ? 200 : 503;
        }
    }

    private static final Readiness READY = new Readiness(State.READY, "");

    public Readiness {
        reason = reason == null ? "" : reason;
    }

    public static Readiness ready() {
        return READY;
    }

    public static Readiness ready(String reason) {
        return new Readiness(State.READY, reason);
    }

    public static Readiness starting(String reason) {
        return new Readiness(State.STARTING, reason);
    }

    public static Readiness lagging(String reason) {
        return new Readiness(State.LAGGING, reason);
    }

    public static Readiness refused(String reason) {
        return new Readiness(State.REFUSED, reason);
    }

    public static Readiness draining(String reason) {
        return new Readiness(State.DRAINING, reason);
    }

    public boolean isReady() {
        return state == State.READY;
    }

    /**
     * The node's readiness from its parts': the most severe state, with the reasons of every part
     * in that state (a ready node keeps the reasons its parts gave, e.g. "serving its local copy").
     */
    public static Readiness combine(List<Readiness> parts) {
        State worst = State.READY;
        for (Readiness part : parts) {
            if (part.state().compareTo(worst) > 0) {
                worst = part.state();
            }
        }
        State chosen = worst;
        String reasons = String.join("; ", parts.stream().filter(p -> p.state() == chosen)
                .map(Readiness::reason).filter(r -> !r.isEmpty()).distinct().toList());
        return new Readiness(worst, reasons);
    }
}
