package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.carbide.deployment.protocol.ReplicationProtocol;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManagerOffersTest {

    private static final String REPOSITORY = "5d1c";

    private static ReplicationProtocol.Announce announce(long revision, boolean authority) {
        return announce(revision, authority, 3, 1);
    }

    private static ReplicationProtocol.Announce announce(long revision, boolean authority, long term, long generation) {
        return new ReplicationProtocol.Announce(REPOSITORY, revision, term, authority, generation,
                ReplicationProtocol.Announce.NOT_HELD, List.of());
    }

    private static ManagerOffers threeManagers() {
        ManagerOffers offers = new ManagerOffers("w-1");
        offers.offered("mgr-1", announce(40, true));
        offers.offered("mgr-2", announce(40, false));
        offers.offered("mgr-3", announce(12, false));
        return offers;
    }

    private static List<String> order(ManagerOffers offers, long revision) {
        return offers.syncOrder(offers.sources(REPOSITORY, 1, 3), revision);
    }

    @Test
    void theAuthorityIsAskedFirst() {
        assertEquals(List.of("mgr-1", "mgr-2", "mgr-3"), order(threeManagers(), 30));
    }

    @Test
    void anAuthorityThatDidNotAnswerIsAskedAfterAManagerThatHasWhatThisNodeRuns() {
        ManagerOffers offers = threeManagers();
        offers.unanswered("mgr-1");
        assertEquals(List.of("mgr-2", "mgr-1", "mgr-3"), order(offers, 30));
        offers.answered("mgr-1");
        assertEquals(List.of("mgr-1", "mgr-2", "mgr-3"), order(offers, 30));
    }

    @Test
    void aManagerBehindThisNodeIsNeverAskedInsteadOfTheAuthority() {
        ManagerOffers offers = threeManagers();
        offers.unanswered("mgr-1");
        offers.unanswered("mgr-2");
        // mgr-3 is behind this node's revision: its answer would lack what the node runs
        assertEquals(List.of("mgr-1", "mgr-2", "mgr-3"), order(offers, 30));
        // a node behind mgr-3 may take its changes meanwhile
        assertEquals(List.of("mgr-3", "mgr-1", "mgr-2"), order(offers, 10));
    }

    @Test
    void onlyAManagerOfTheSameGenerationAndTermTakesTheSilentOnesPlace() {
        ManagerOffers offers = new ManagerOffers("w-1");
        offers.offered("mgr-1", announce(40, true, 4, 2));
        offers.offered("mgr-2", announce(45, false, 3, 2)); // missed the last election
        offers.offered("mgr-3", announce(45, false, 4, 1)); // of the generation before a recovery
        offers.unanswered("mgr-1");
        assertEquals(List.of("mgr-1", "mgr-2", "mgr-3"), offers.syncOrder(offers.sources(REPOSITORY, 0, 0), 30));
        offers.offered("mgr-4", announce(40, false, 4, 2));
        assertEquals(List.of("mgr-4", "mgr-1", "mgr-2", "mgr-3"),
                offers.syncOrder(offers.sources(REPOSITORY, 0, 0), 30));
    }
}
