package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerSourcesTest {

    private static final String BIG = "ab".repeat(32);
    private static final List<Artifact> CHANGES = List.of(
            new Artifact("big.zip", ArtifactType.WEBAPP, 1, BIG, 64 << 20, false),
            new Artifact("small.jar", ArtifactType.BUNDLE, 2, "cd".repeat(32), 10_000, false),
            new Artifact("gone.zip", ArtifactType.WEBAPP, 3, "", 0, true));

    private static List<String> peers(PeerSources sources, String worker, Set<String> present) {
        return sources.sourcesFor(worker, CHANGES, present::contains).getOrDefault(BIG, List.of());
    }

    @Test
    void theFirstTwoWorkersFetchFromTheManagersAndTheRestFromATreeOfPeers() {
        PeerSources sources = new PeerSources(3);
        Set<String> fleet = Set.of("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8");
        assertEquals(List.of(), peers(sources, "w1", fleet));
        assertEquals(List.of(), peers(sources, "w2", fleet));
        // three children for each seed, then for each of theirs: the managers send the content twice
        for (String child : List.of("w3", "w4", "w5")) {
            assertEquals("w1", peers(sources, child, fleet).get(0));
        }
        for (String child : List.of("w6", "w7", "w8")) {
            assertEquals("w2", peers(sources, child, fleet).get(0));
        }
        // after its parent, the ones that asked before, earliest first, and never itself or a later one
        assertEquals(List.of("w2", "w1", "w3", "w4", "w5", "w6", "w7"), peers(sources, "w8", fleet));
    }

    @Test
    void aWorkerDeepInTheTreeTurnsToItsAncestorsAfterItsParent() {
        PeerSources sources = new PeerSources(2);
        List<String> order = java.util.stream.IntStream.rangeClosed(1, 12).mapToObj(i -> "w" + i).toList();
        Set<String> fleet = Set.copyOf(order);
        order.forEach(worker -> peers(sources, worker, fleet));
        // w12 (12th to ask) hangs under w5, which hangs under w2, a seed
        assertEquals(List.of("w5", "w2"), peers(sources, "w12", fleet).subList(0, 2));
        assertEquals(Math.min(8, 11), peers(sources, "w12", fleet).size());
    }

    @Test
    void aRolledBackContentRolledOutAgainStartsANewTree() {
        PeerSources sources = new PeerSources(3);
        Set<String> fleet = Set.of("w1", "w2", "w3");
        for (String worker : List.of("w1", "w2", "w3")) {
            peers(sources, worker, fleet);
        }
        List<Artifact> again = List.of(new Artifact("big.zip", ArtifactType.WEBAPP, 9, BIG, 64 << 20, false));
        // w3 asks first this time: it fetches from the managers, not from w1, which may have dropped the content
        assertTrue(sources.sourcesFor("w3", again, fleet::contains).isEmpty());
    }

    @Test
    void aWorkerAskingAgainKeepsItsPlaceAndNoOneWaitsForALaterWorker() {
        PeerSources sources = new PeerSources(2);
        Set<String> fleet = Set.of("a", "b", "c", "d", "e", "f", "g");
        for (String worker : fleet.stream().sorted().toList()) {
            peers(sources, worker, fleet);
        }
        assertEquals(peers(sources, "e", fleet), peers(sources, "e", fleet));
        Set<String> before = new HashSet<>();
        for (String worker : List.of("a", "b", "c", "d", "e", "f", "g")) {
            assertTrue(before.containsAll(peers(sources, worker, fleet)), worker + " is sent only to earlier workers");
            before.add(worker);
        }
    }

    @Test
    void aWorkerThatLeftIsNoOnesParent() {
        PeerSources sources = new PeerSources(3);
        Set<String> fleet = new HashSet<>(Set.of("w1", "w2", "w3", "w4"));
        peers(sources, "w1", fleet);
        peers(sources, "w2", fleet);
        assertEquals("w1", peers(sources, "w3", fleet).get(0));
        fleet.remove("w1");
        // w2 is now the first to have asked: it fetches from the managers, and w3 after it from the managers too
        assertEquals(List.of(), peers(sources, "w2", fleet));
        assertEquals(List.of(), peers(sources, "w3", fleet));
        assertEquals(List.of("w2", "w3"), peers(sources, "w4", fleet));
    }

    @Test
    void smallAndDeletedArtifactsComeFromTheManagersAndAFanoutOfZeroTurnsPeersOff() {
        PeerSources sources = new PeerSources(3);
        Set<String> fleet = Set.of("w1", "w2", "w3");
        sources.sourcesFor("w1", CHANGES, fleet::contains);
        sources.sourcesFor("w2", CHANGES, fleet::contains);
        Map<String, List<String>> third = sources.sourcesFor("w3", CHANGES, fleet::contains);
        assertEquals(Set.of(BIG), third.keySet());

        PeerSources off = new PeerSources(0);
        for (String worker : List.of("w1", "w2", "w3")) {
            assertTrue(off.sourcesFor(worker, CHANGES, fleet::contains).isEmpty());
        }
    }
}
