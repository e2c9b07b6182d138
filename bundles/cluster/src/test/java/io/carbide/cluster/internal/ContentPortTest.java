package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.ContentChannel;
import io.carbide.cluster.SubDomain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two content ports in one JVM, as a manager and a worker would use them. */
class ContentPortTest {

    private static final ClusterKeys KEYS = ClusterKeys.derive("a-secret-of-at-least-thirty-two-characters".getBytes(
            StandardCharsets.UTF_8), "carbide");
    private static final ClusterKeys OTHER = ClusterKeys.derive("another-secret-of-thirty-two-characters!".getBytes(
            StandardCharsets.UTF_8), "carbide");

    @TempDir
    Path temp;
    private final AtomicReference<KeySet> managerKeys = new AtomicReference<>(KeySet.of(KEYS));
    private final AtomicReference<KeySet> workerKeys = new AtomicReference<>(KeySet.of(KEYS));
    private final AtomicReference<ClusterView> view = new AtomicReference<>();
    private ContentPort manager;
    private ContentPort worker;

    private void start() {
        manager = new ContentPort("mgr", "127.0.0.1", 0, managerKeys::get, view::get);
        worker = new ContentPort("w-1", "127.0.0.1", 0, workerKeys::get, view::get);
        ClusterMember m = member("mgr", manager.address());
        ClusterMember w = member("w-1", worker.address());
        view.set(new ClusterView("carbide", 2, List.of(m, w), w, false));
    }

    private static ClusterMember member(String name, String contentAddress) {
        return new ClusterMember(name, Set.of(SubDomain.WORKER), "worker", "", "", "0.1.0", 0, "", contentAddress);
    }

    @AfterEach
    void stop() {
        for (ContentPort port : new ContentPort[] {manager, worker}) {
            if (port != null) {
                port.close();
            }
        }
    }

    /** A blob of {@code size} bytes in the manager's store; returns its digest. */
    private String hold(byte[] bytes) throws Exception {
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Path blob = Files.write(temp.resolve(sha256), bytes);
        manager.serve(digest -> digest.equals(sha256) ? Optional.of(blob) : Optional.empty());
        return sha256;
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    @Test
    void aStopThatIsItselfInterruptedStillLeavesNoStreamOrAcceptorRunning() throws Exception {
        start();
        String[] hostPort = manager.address().split(":");
        try (Socket silent = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (threadsNamed("carbide-content-stream") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the manager's stream waits for a request that never comes
            }
            assertEquals(1, threadsNamed("carbide-content-stream"));

            Thread.currentThread().interrupt(); // as when the framework stops a bundle from an interrupted thread
            manager.close();
            assertTrue(Thread.interrupted(), "the stop keeps the caller's interrupt");
            assertTrue(manager.stopped(), "the stream and the acceptor ended before the stop returned");
        }
        manager = null;
    }

    @Test
    void aWorkerFetchesWholeContentAndAnyRangeOfIt() throws Exception {
        start();
        byte[] bytes = random(3 * ContentWire.FRAME + 12345);
        String sha256 = hold(bytes);
        assertTrue(worker.reaches("mgr"));

        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        AtomicLong progress = new AtomicLong();
        worker.fetch("mgr", sha256, 0, bytes.length, whole, progress::addAndGet);
        assertArrayEquals(bytes, whole.toByteArray());
        assertEquals(bytes.length, progress.get());

        // a transfer resumed part way: the rest, from where the first stopped
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        worker.fetch("mgr", sha256, 1_500_000, bytes.length - 1_500_000, rest, n -> { });
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 1_500_000, bytes.length), rest.toByteArray());
        assertEquals((long) bytes.length * 2 - 1_500_000, ((Number) manager.status().get("bytesSent")).longValue());
    }

    /** A store whose content arrives in {@code part} while {@code arriving} says so, as a worker's does. */
    private void arrivingIn(String sha256, Path part, java.util.concurrent.atomic.AtomicBoolean arriving) {
        manager.serve(new ContentChannel.ContentStore() {
            @Override
            public Optional<Path> content(String digest) {
                return Optional.empty();
            }

            @Override
            public Optional<Path> arriving(String digest) {
                return digest.equals(sha256) && arriving.get() ? Optional.of(part) : Optional.empty();
            }
        });
    }

    @Test
    void contentStillArrivingIsServedAsItGrowsAndAStreamIsCutWhereItStopsArriving() throws Exception {
        start();
        byte[] bytes = random(3 * ContentWire.FRAME + 777);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Path part = temp.resolve(sha256 + ".part");
        Files.write(part, java.util.Arrays.copyOf(bytes, ContentWire.FRAME / 2));
        java.util.concurrent.atomic.AtomicBoolean arriving = new java.util.concurrent.atomic.AtomicBoolean(true);
        arrivingIn(sha256, part, arriving);

        // the rest arrives in pieces while the worker is already fetching
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(part, java.nio.file.StandardOpenOption.APPEND)) {
                for (int at = ContentWire.FRAME / 2; at < bytes.length; at += 300_000) {
                    Thread.sleep(20);
                    out.write(bytes, at, Math.min(300_000, bytes.length - at));
                    out.flush();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        worker.fetch("mgr", sha256, 0, bytes.length, whole, n -> { });
        writer.join();
        assertArrayEquals(bytes, whole.toByteArray());

        // content that stops arriving short of the end: the stream is cut, and what came is good to resume from
        Files.write(part, java.util.Arrays.copyOf(bytes, 1_000_000));
        Thread stop = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            arriving.set(false);
        });
        stop.start();
        ByteArrayOutputStream cut = new ByteArrayOutputStream();
        assertThrows(java.io.IOException.class, () -> worker.fetch("mgr", sha256, 0, bytes.length, cut, n -> { }));
        stop.join();
        assertArrayEquals(java.util.Arrays.copyOf(bytes, 1_000_000), cut.toByteArray());
        assertThrows(ContentChannel.ContentMissingException.class, () -> worker.fetch("mgr", sha256, 0, bytes.length,
                OutputStream.nullOutputStream(), n -> { }), "no longer arriving, and not held: missing");
    }

    @Test
    void contentTheMemberLacksIsSaidSoBeforeAnyByte() throws Exception {
        start();
        hold(random(100));
        assertThrows(ContentChannel.ContentMissingException.class, () -> worker.fetch("mgr", "ab".repeat(32), 0, 10,
                OutputStream.nullOutputStream(), n -> { }));
    }

    @Test
    void aNodeWithAnotherSecretGetsNothingAndTheServerStaysUp() throws Exception {
        start();
        byte[] bytes = random(5000);
        String sha256 = hold(bytes);
        workerKeys.set(KeySet.of(OTHER));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        IOException refused = assertThrows(IOException.class, () -> worker.fetch("mgr", sha256, 0, bytes.length, got,
                n -> { }));
        assertTrue(refused.getMessage().contains("refused this node's cluster key"), refused.getMessage());
        assertEquals(0, got.size());

        // garbage on the port: refused, and the next honest request is served
        try (Socket garbage = new Socket("127.0.0.1", port(manager))) {
            garbage.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(20).getBytes(StandardCharsets.UTF_8));
            garbage.getInputStream().readAllBytes();
        }
        workerKeys.set(KeySet.of(KEYS));
        worker.fetch("mgr", sha256, 0, bytes.length, got, n -> { });
        assertArrayEquals(bytes, got.toByteArray());
    }

    @Test
    void aRequestTricklingInByteByByteIsCutOffAtItsDeadlineNotKeptForever() throws Exception {
        start();
        byte[] bytes = random(1000);
        String sha256 = hold(bytes);
        long opened = System.nanoTime();
        try (Socket slow = new Socket("127.0.0.1", port(manager))) {
            slow.setSoTimeout(20_000);
            byte[] request = ContentWire.request(KEYS, ContentWire.nonce(), sha256, 0, bytes.length);
            try {
                for (byte b : request) { // one byte every 200 ms: each read is quick, the whole is not
                    slow.getOutputStream().write(b);
                    Thread.sleep(200);
                }
            } catch (IOException closed) {
                // what the server does to it
            }
            int answer;
            try {
                answer = slow.getInputStream().read();
            } catch (IOException reset) {
                answer = -1;
            }
            assertEquals(-1, answer, "closed without an answer");
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - opened);
        assertTrue(seconds <= ContentPort.REQUEST_MILLIS / 1000 + 3, "held for " + seconds + " s");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        worker.fetch("mgr", sha256, 0, bytes.length, got, n -> { });
        assertArrayEquals(bytes, got.toByteArray());
    }

    @Test
    void duringARotationAWorkerSealingWithTheNextSecretStillFetchesFromAManagerHoldingOnlyTheCurrent() throws Exception {
        start();
        byte[] bytes = random(70_000);
        String sha256 = hold(bytes);
        workerKeys.set(new KeySet(OTHER, List.of(KEYS, OTHER), List.of()));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        worker.fetch("mgr", sha256, 0, bytes.length, got, n -> { });
        assertArrayEquals(bytes, got.toByteArray());
    }

    @Test
    void aMemberWithoutAContentPortIsNotReached() throws Exception {
        manager = new ContentPort("mgr", "127.0.0.1", ClusterSettings.NO_CONTENT_PORT, managerKeys::get, view::get);
        worker = new ContentPort("w-1", "127.0.0.1", 0, workerKeys::get, view::get);
        assertEquals("", manager.address());
        view.set(new ClusterView("carbide", 2, List.of(member("mgr", ""), member("w-1", worker.address())),
                member("w-1", worker.address()), false));
        assertEquals(false, worker.reaches("mgr"));
        assertEquals(false, worker.reaches("nobody"));
    }

    @Test
    void aPortAlreadyTakenLeavesTheNodeWithoutOneInsteadOfFailingIt() {
        start();
        ContentPort second = new ContentPort("w-2", "127.0.0.1", port(manager), managerKeys::get, view::get);
        try {
            assertEquals("", second.address());
        } finally {
            second.close();
        }
    }

    @Test
    void framesThatWereTamperedWithOrReorderedDoNotOpen() throws Exception {
        javax.crypto.SecretKey key = ContentWire.streamKey(KEYS, ContentWire.nonce(), ContentWire.nonce());
        ContentWire.Sealer sealer = new ContentWire.Sealer(key);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        sealer.write(wire, "first".getBytes(StandardCharsets.UTF_8), 5);
        sealer.write(wire, "second".getBytes(StandardCharsets.UTF_8), 6);
        byte[] frames = wire.toByteArray();
        byte[] secondOnly = java.util.Arrays.copyOfRange(frames, 4 + 5 + 16, frames.length);
        byte[] plain = new byte[ContentWire.FRAME];
        IOException reordered = assertThrows(IOException.class, () -> new ContentWire.Opener(key).read(
                new java.io.DataInputStream(new java.io.ByteArrayInputStream(secondOnly)), plain, 100));
        assertTrue(reordered.getMessage().contains("does not open"), reordered.getMessage());
        frames[6] ^= 1;
        assertThrows(IOException.class, () -> new ContentWire.Opener(key).read(
                new java.io.DataInputStream(new java.io.ByteArrayInputStream(frames)), plain, 100));
    }

    @Test
    void aReaderTakesFramesUpToTheMegabyteEarlierBuildsSentAndNoLarger() throws Exception {
        javax.crypto.SecretKey key = ContentWire.streamKey(KEYS, ContentWire.nonce(), ContentWire.nonce());
        byte[] earlier = random(ContentWire.FRAME); // what a sender of an earlier build puts in one frame
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ContentWire.Sealer sealer = new ContentWire.Sealer(key, ContentWire.FRAME);
        sealer.write(wire, earlier, earlier.length);
        sealer.write(wire, earlier, ContentWire.SENT_FRAME);
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(wire.toByteArray()));
        ContentWire.Opener opener = new ContentWire.Opener(key);
        byte[] plain = new byte[ContentWire.FRAME];
        assertEquals(ContentWire.FRAME, opener.read(in, plain, Long.MAX_VALUE));
        assertArrayEquals(earlier, plain);
        assertEquals(ContentWire.SENT_FRAME, opener.read(in, plain, Long.MAX_VALUE));

        byte[] tooLarge = java.nio.ByteBuffer.allocate(4).putInt(ContentWire.FRAME + 1).array();
        IOException refused = assertThrows(IOException.class, () -> new ContentWire.Opener(key).read(
                new java.io.DataInputStream(new java.io.ByteArrayInputStream(tooLarge)), plain, Long.MAX_VALUE));
        assertTrue(refused.getMessage().contains("frame of " + (ContentWire.FRAME + 1) + " bytes"), refused.getMessage());
    }

    private static int port(ContentPort port) {
        String address = port.address();
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
