package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.jgroups.Address;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

class SharedSecretTokenTest {

    private static final ClusterKeys KEY = ClusterKeys.derive("the cluster secret of this domain, long and random"
            .getBytes(), "carbide");
    private static final ClusterKeys NEXT = ClusterKeys.derive("the secret this domain rotates to, long and random"
            .getBytes(), "carbide");
    private final Address joiner = UUID.randomUUID();
    private final Address coordinator = UUID.randomUUID();

    private static SharedSecretToken configured(ClusterKeys key) {
        return configured(KeySet.of(key));
    }

    private static SharedSecretToken configured(KeySet keys) {
        SharedSecretToken token = new SharedSecretToken();
        token.configure(() -> keys, "carbide");
        return token;
    }

    /** The token as the coordinator reads it off the wire. */
    private static SharedSecretToken sent(SharedSecretToken token) throws IOException {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream();
        token.writeTo(out);
        SharedSecretToken arrived = new SharedSecretToken();
        arrived.readFrom(new ByteArrayDataInputStream(out.getBuffer()));
        return arrived;
    }

    @Test
    void aProofHoldsForItsJoinerAndCoordinatorOnce() throws IOException {
        SharedSecretToken coordinatorToken = configured(KEY);
        SharedSecretToken proof = sent(configured(KEY).boundTo(joiner, coordinator));
        assertNull(coordinatorToken.check(proof, joiner, coordinator));
        String replay = coordinatorToken.check(proof, joiner, coordinator);
        assertTrue(replay != null && replay.contains("used before"), replay);
    }

    @Test
    void aProofReplayedFromAnotherAddressOrToAnotherCoordinatorIsRefused() throws IOException {
        SharedSecretToken coordinatorToken = configured(KEY);
        SharedSecretToken proof = sent(configured(KEY).boundTo(joiner, coordinator));
        String fromElsewhere = coordinatorToken.check(proof, UUID.randomUUID(), coordinator);
        assertTrue(fromElsewhere != null && fromElsewhere.contains("replayed from another node"), fromElsewhere);
        assertTrue(coordinatorToken.check(proof, joiner, UUID.randomUUID()) != null, "bound to the coordinator too");
    }

    @Test
    void aProofUnderAnotherSecretIsRefused() throws IOException {
        ClusterKeys other = ClusterKeys.derive("another cluster's secret, just as long and random".getBytes(), "carbide");
        String refusal = configured(KEY).check(sent(configured(other).boundTo(joiner, coordinator)), joiner, coordinator);
        assertTrue(refusal != null && refusal.contains("does not hold"), refusal);
    }

    @Test
    void duringARotationAProofUnderEitherSecretHoldsAndAfterItOnlyTheNew() throws IOException {
        SharedSecretToken rotating = configured(new KeySet(KEY, List.of(KEY, NEXT), List.of()));
        assertNull(rotating.check(sent(configured(KEY).boundTo(joiner, coordinator)), joiner, coordinator));
        assertNull(rotating.check(sent(configured(NEXT).boundTo(joiner, coordinator)), joiner, coordinator));
        SharedSecretToken promoted = configured(new KeySet(NEXT, List.of(NEXT), List.of(KEY)));
        assertTrue(promoted.check(sent(configured(KEY).boundTo(joiner, coordinator)), joiner, coordinator) != null,
                "a retired secret proves nothing");
        SharedSecretToken sealingWithNext = configured(new KeySet(NEXT, List.of(KEY, NEXT), List.of()));
        assertNull(configured(NEXT).check(sent(sealingWithNext.boundTo(joiner, coordinator)), joiner, coordinator),
                "a node sealing with the next secret signs its proofs with it");
    }
}
