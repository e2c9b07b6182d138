package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.jgroups.Address;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

class SharedSecretTokenTest {

    private static final byte[] KEY = ClusterKeys.derive("the cluster secret of this domain, long and random".getBytes(),
            "carbide").joinKey();
    private final Address joiner = UUID.randomUUID();
    private final Address coordinator = UUID.randomUUID();

    private static SharedSecretToken configured(byte[] key) {
        SharedSecretToken token = new SharedSecretToken();
        token.configure(key, "carbide");
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
        byte[] other = ClusterKeys.derive("another cluster's secret, just as long and random".getBytes(), "carbide")
                .joinKey();
        String refusal = configured(KEY).check(sent(configured(other).boundTo(joiner, coordinator)), joiner, coordinator);
        assertTrue(refusal != null && refusal.contains("does not hold"), refusal);
    }
}
