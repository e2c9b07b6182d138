package io.carbide.deployment;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Which manager records changes for the fleet, as this manager sees it. The authority is the
 * manager that holds the repository the workers follow (their lineage); a manager holding another
 * repository must refuse changes, because no worker would ever apply them.
 */
public interface FleetAuthority {

    /** The decision now. */
    Decision current();

    /** The decision once it is made (not {@link Kind#UNDECIDED}), or the undecided one after the timeout. */
    Decision await(Duration timeout) throws InterruptedException;

    /**
     * Tells the given nodes (every node that runs artifacts when empty) to follow this manager's
     * repository from now on, dropping what it lacks: the operator's explicit move of the fleet to
     * another lineage, e.g. to a manager rebuilt from scratch.
     *
     * @return the nodes that were told
     */
    List<String> moveFleetHere(Collection<String> nodes);

    /** Whether this manager records changes: it is the authority, another one is, or it cannot tell yet. */
    enum Kind {
        SELF, OTHER, UNDECIDED
    }

    /**
     * @param authority the authority's node name, or empty when unknown
     * @param managementUrl where to send changes instead, or empty
     * @param repositoryId the repository the fleet follows, or empty when no worker follows one yet
     * @param reason one sentence for logs and API errors when this manager may not record changes
     */
    record Decision(Kind kind, String authority, String managementUrl, String repositoryId, String reason) {

        public boolean maySelfRecord() {
            return kind == Kind.SELF;
        }
    }
}
