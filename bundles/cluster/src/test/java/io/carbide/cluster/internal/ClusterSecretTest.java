package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClusterSecretTest {

    @Test
    void aShortSecretIsRefusedWithTheWayOutUnlessAllowed() throws IOException {
        IOException refused = assertThrows(IOException.class,
                () -> ClusterSecret.checked("password123", "conf/cluster.secret", false));
        assertTrue(refused.getMessage().contains("conf/cluster.secret is 11 characters long")
                && refused.getMessage().contains("carbide.cluster.allowWeakSecret=true"), refused.getMessage());
        assertTrue(!refused.getMessage().contains("password123"), "the secret never reaches a message");
        assertArrayEquals("password123".getBytes(StandardCharsets.UTF_8),
                ClusterSecret.checked("password123", "conf/cluster.secret", true));
        assertThrows(IOException.class, () -> ClusterSecret.checked("", "conf/cluster.secret", true));
    }
}
