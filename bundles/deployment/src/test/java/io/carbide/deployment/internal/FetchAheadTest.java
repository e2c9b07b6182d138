package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FetchAheadTest {

    @TempDir
    Path dir;

    private static Artifact artifact(int revision, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        return new Artifact("site-" + revision + ".zip", ArtifactType.WEBAPP, revision, sha, bytes.length, false);
    }

    private static VerifiedBlobs.Transfer bytesOf(String content) {
        return (OutputStream out, long from) -> out.write(content.substring((int) from).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theNextChangesArriveWhileOneDeploysEachDigestOnceAndNothingAlreadyHere() throws Exception {
        VerifiedBlobs blobs = new VerifiedBlobs(dir);
        Artifact held = artifact(1, "held already");
        blobs.receive(held.sha256(), held.size(), held.name(), bytesOf("held already"));
        Artifact a = artifact(2, "two");
        Artifact sameContent = new Artifact("copy.zip", ArtifactType.WEBAPP, 3, a.sha256(), a.size(), false);
        Artifact b = artifact(4, "four");
        Artifact gone = new Artifact("gone.zip", ArtifactType.WEBAPP, 5, "", 0, true);
        List<Artifact> batch = List.of(held, a, sameContent, b, gone);
        List<String> fetched = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch bothUnderWay = new CountDownLatch(2);
        FetchAhead.Fetch fetch = artifact -> {
            fetched.add(artifact.name());
            bothUnderWay.countDown();
            try {
                // a and b are fetched together: neither finishes before the other has started
                assertTrue(bothUnderWay.await(10, TimeUnit.SECONDS), "the fetches ran one after another");
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            String content = artifact == b ? "four" : "two";
            return blobs.receive(artifact.sha256(), artifact.size(), artifact.name(), bytesOf(content));
        };
        try (FetchAhead ahead = new FetchAhead(batch, blobs, fetch)) {
            assertEquals(dir.resolve(held.sha256()), ahead.content(0, held), "held already: the deployer asks anyway");
            assertEquals("two", Files.readString(ahead.content(1, a)));
            assertEquals("four", Files.readString(ahead.content(3, b)));
        }
        assertTrue(fetched.containsAll(List.of(a.name(), b.name())), fetched.toString());
        assertEquals(3, fetched.size(), "held content was fetched for the deployer who asked for it, "
                + "shared content once, a deletion never: " + fetched);
    }

    @Test
    void aFetchThatFailedFailsItsOwnChangeOnly() throws Exception {
        VerifiedBlobs blobs = new VerifiedBlobs(dir);
        Artifact bad = artifact(1, "one");
        Artifact good = artifact(2, "two");
        AtomicInteger calls = new AtomicInteger();
        FetchAhead.Fetch fetch = artifact -> {
            calls.incrementAndGet();
            if (artifact == bad) {
                throw new IOException("mgr-1 is unreachable");
            }
            return blobs.receive(artifact.sha256(), artifact.size(), artifact.name(), bytesOf("two"));
        };
        try (FetchAhead ahead = new FetchAhead(List.of(bad, good), blobs, fetch)) {
            IOException failure = assertThrows(IOException.class, () -> ahead.content(0, bad));
            assertEquals("mgr-1 is unreachable", failure.getMessage());
            assertEquals("two", Files.readString(ahead.content(1, good)));
        }
        assertEquals(2, calls.get());
    }
}
