package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;

/** What a worker keeps in {@code data/deployment/blobs} as artifacts come, are replaced and go. */
class LocalCopyTest {

    @TempDir
    Path dir;

    private VerifiedBlobs blobs;
    private LocalCopy copy;
    private final Map<String, byte[]> served = new HashMap<>();
    private long revision;

    @BeforeEach
    void setUp() throws IOException {
        blobs = new VerifiedBlobs(dir.resolve("blobs"));
        Deployer webApps = new Deployer() {
            @Override
            public ArtifactState deploy(Artifact artifact, Path content) {
                return Deployer.state(artifact, ArtifactState.ACTIVE);
            }

            @Override
            public void undeploy(Artifact artifact) {
            }
        };
        copy = new LocalCopy("w1", new LocalState(dir.resolve("state.json")), blobs,
                new BundleDeployer(noBundles(), Set.of()), Map.of(ArtifactType.WEBAPP, webApps));
    }

    @Test
    void contentGoesWithTheLastArtifactThatHeldItAndABatchLeavesTheRestAlone() throws Exception {
        Artifact a = webApp("a.zip", "first a");
        Artifact b = webApp("b.zip", "b");
        Artifact sameAsA = webApp("c.zip", "first a");
        apply(a, b, sameAsA);
        assertTrue(holds(a) && holds(b), "every content arrived");

        Artifact newA = webApp("a.zip", "second a");
        apply(newA);
        assertTrue(holds(sameAsA), "the old content of a.zip stays: c.zip holds the same");
        assertTrue(holds(newA) && holds(b));
        Artifact newB = webApp("b.zip", "second b");
        apply(newB);
        assertFalse(holds(b), "replaced, and held by nothing else");
        assertTrue(holds(newB));

        apply(new Artifact("c.zip", ArtifactType.WEBAPP, ++revision, "", 0, true));
        assertFalse(holds(sameAsA), "gone with c.zip, its last holder");
        apply(new Artifact("b.zip", ArtifactType.WEBAPP, ++revision, "", 0, true));
        assertFalse(holds(newB));
        assertTrue(holds(newA));

        // content nobody asked this batch to let go (fetched ahead for a batch cut short) waits for the sweep
        Path stray = dir.resolve("blobs").resolve(sha("fetched ahead"));
        Files.writeString(stray, "fetched ahead");
        apply(webApp("d.zip", "d"));
        assertTrue(Files.exists(stray), "a batch looks only at what it let go");
        copy.dropAllUnreferencedContent();
        assertFalse(Files.exists(stray), "the sweep drops it");
        assertTrue(holds(newA), "and keeps what is held");
        try (var left = Files.list(dir.resolve("blobs"))) {
            assertEquals(2, left.count(), "a.zip and d.zip");
        }
    }

    @Test
    void droppedContentTakesWhatArrivedOfItAlongAndADigestThatIsNoDigestNamesNoFile() throws Exception {
        String digest = sha("half here");
        Path part = Files.writeString(dir.resolve("blobs").resolve(digest + ".part"), "half");
        blobs.drop(digest);
        assertFalse(Files.exists(part), "a transfer of content nobody holds is not resumed");
        Path outside = Files.writeString(dir.resolve("keep.txt"), "not content");
        blobs.drop("../keep.txt");
        assertTrue(Files.exists(outside));
    }

    private void apply(Artifact... changes) throws IOException {
        copy.apply(List.of(changes), new Source(), applied -> { });
        copy.dropUnreferencedContent();
    }

    private boolean holds(Artifact artifact) {
        return blobs.get(artifact.sha256()).isPresent();
    }

    private Artifact webApp(String name, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        served.put(sha(content), bytes);
        return new Artifact(name, ArtifactType.WEBAPP, ++revision, sha(content), bytes.length, false);
    }

    private static String sha(String content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Serves the content of every artifact this test made. */
    private final class Source implements ArtifactSource {
        @Override
        public String name() {
            return "mgr";
        }

        @Override
        public ReplicationProtocol.Changes sync(String repositoryId, long at, String stamp) {
            throw new UnsupportedOperationException("the test applies changes itself");
        }

        @Override
        public void fetch(Artifact artifact, long from, OutputStream out) throws IOException {
            byte[] bytes = served.get(artifact.sha256());
            out.write(bytes, (int) from, bytes.length - (int) from);
        }
    }

    /** A framework that holds no artifact bundles: this test deploys web applications only. */
    private static BundleContext noBundles() {
        FrameworkWiring wiring = Stand.in(FrameworkWiring.class, Map.of("resolveBundles", true));
        Bundle system = Stand.in(Bundle.class, Map.of("adapt", wiring));
        return Stand.in(BundleContext.class, (method, args) -> method.equals("getBundle")
                && args.length > 0 && args[0] instanceof Long ? system : null);
    }
}
