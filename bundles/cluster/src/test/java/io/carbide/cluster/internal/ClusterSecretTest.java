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

    /** A node whose base and installation are these folders; nothing else is asked of it here. */
    private static io.carbide.node.NodeIdentity node(java.nio.file.Path base, java.nio.file.Path home) {
        return (io.carbide.node.NodeIdentity) java.lang.reflect.Proxy.newProxyInstance(
                ClusterSecretTest.class.getClassLoader(), new Class<?>[] {io.carbide.node.NodeIdentity.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "base" -> base;
                    case "home" -> home;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theNextSecretInTheBaseCountsEvenWhenTheCurrentOneIsTheInstallations(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) throws IOException {
        java.nio.file.Path home = java.nio.file.Files.createDirectories(folder.resolve("home/conf"));
        java.nio.file.Path base = java.nio.file.Files.createDirectories(folder.resolve("base/conf"));
        String current = "the installation's secret, long and random enough";
        String next = "the next secret, put in the node's own base by the operator";
        java.nio.file.Files.writeString(home.resolve("cluster.secret"), current);
        java.nio.file.Files.writeString(base.resolve("cluster.secret.next"), next);
        ClusterSecret.Held held = ClusterSecret.load(node(folder.resolve("base"), folder.resolve("home")), false, false);
        assertArrayEquals(current.getBytes(StandardCharsets.UTF_8), held.current());
        assertArrayEquals(next.getBytes(StandardCharsets.UTF_8), held.next());

        java.nio.file.Files.writeString(base.resolve("cluster.secret.next"), "short");
        ClusterSecret.Held unusable = ClusterSecret.load(node(folder.resolve("base"), folder.resolve("home")), false,
                false);
        assertArrayEquals(current.getBytes(StandardCharsets.UTF_8), unusable.current(), "a bad next costs nothing");
        assertTrue(unusable.next() == null && unusable.nextProblem().contains("shorter than"), unusable.nextProblem());
    }
}
