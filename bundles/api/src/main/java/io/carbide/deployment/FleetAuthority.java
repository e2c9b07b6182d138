package io.carbide.deployment;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Which manager records changes for the fleet, as this manager sees it. The fleet's repository is
 * the one its workers follow (their lineage); its authority is the leader of the managers that
 * share it. A manager of that repository takes changes and forwards them to the leader; one whose
 * managers have no majority refuses them until they do; one holding another repository refuses
 * them for good, because no worker would ever apply them.
 */
public interface FleetAuthority {

    /** The decision now. */
    Decision current();

    /** The decision once it is made (not {@link Kind#UNDECIDED}), or the undecided one after the timeout. */
    Decision await(Duration timeout) throws InterruptedException;

    /**
     * Tells the given workers (every worker in the view when empty) to follow this manager's
     * repository from now on, dropping what it lacks: the operator's explicit move of the fleet to
     * another lineage, e.g. to a manager rebuilt from scratch. Named nodes are checked against one
     * view first: when one is not a member, or not a worker, no node is told.
     */
    FleetMove moveFleetHere(Collection<String> nodes);

    /**
     * What {@link #moveFleetHere} did: the workers it told, or the named nodes that made it tell none
     * (not in the view; in the view but not workers, such as managers, which follow the managers' log).
     */
    record FleetMove(List<String> told, List<String> unknown, List<String> notWorkers) {

        public FleetMove {
            told = List.copyOf(told);
            unknown = List.copyOf(unknown);
            notWorkers = List.copyOf(notWorkers);
        }
    }

    /**
     * This manager is the authority ({@code SELF}); shares its repository and forwards changes to it
     * ({@code FOLLOWER}); shares it but no majority of its managers is reachable ({@code NO_QUORUM});
     * holds another repository than the fleet's ({@code OTHER}); or cannot tell yet ({@code UNDECIDED}).
     */
    enum Kind {
        SELF, FOLLOWER, NO_QUORUM, OTHER, UNDECIDED
    }

    /**
     * @param authority the authority's node name, or empty when unknown
     * @param managementUrl where to send changes instead, or empty
     * @param repositoryId the repository the fleet follows, or empty when no worker follows one yet
     * @param reason one sentence for logs and API errors when this manager may not record changes
     */
    record Decision(Kind kind, String authority, String managementUrl, String repositoryId, String reason) {

        /** Whether a change made on this manager counts: it is the authority, or forwards to it. */
        public boolean acceptsChanges() {
            return kind == Kind.SELF || kind == Kind.FOLLOWER;
        }

        public boolean isAuthority() {
            return kind == Kind.SELF;
        }
    }
}
