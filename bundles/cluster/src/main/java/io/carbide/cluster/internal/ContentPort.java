package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.ContentChannel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's content port: it serves the content its stores hold to the other members, and
 * fetches content from theirs, in the {@link ContentWire} format. Bytes go from the file to the
 * socket in frames of a megabyte, so a transfer runs at the speed of the disk and the network,
 * not of the cluster channel's messages, and holds about two frames of memory at each end.
 *
 * <p>A port that cannot be bound (taken, or no permission) is logged and left out: the node still
 * runs, its member description announces no content port, and the others fetch from it over the
 * cluster channel, as they do from a node of an older build.
 */
final class ContentPort implements ContentChannel {

    private static final Logger LOG = LoggerFactory.getLogger(ContentPort.class);
    /** Streams served at once; more are answered BUSY, and their clients try again shortly. */
    static final int MAX_STREAMS = 8;
    private static final int CONNECT_MILLIS = 3_000;
    /** A stream that moves no byte for this long, either way, is closed: it holds one of the few stream threads. */
    static final int STALL_MILLIS = 30_000;
    /** A connection whose whole request has not arrived this soon after it opened is closed, for the same reason. */
    static final int REQUEST_MILLIS = 5_000;
    /** How long a client keeps trying a member whose port is busy before it takes the cluster channel. */
    private static final long BUSY_PATIENCE_MILLIS = 60_000;

    private final String self;
    private final Supplier<KeySet> keys;
    private final Supplier<ClusterView> view;
    private final List<ContentStore> stores = new CopyOnWriteArrayList<>();
    private final BadTrafficLog badTraffic = new BadTrafficLog(LOG, 60_000);
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong streamsServed = new AtomicLong();
    private final ServerSocket server;
    private final ThreadPoolExecutor streams;
    private final Thread acceptor;
    private final String address;
    /** Open connections being served, with when each last moved a byte: the watchdog closes stalled ones. */
    private final Map<Socket, AtomicLong> open = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService watchdog;

    /**
     * @param port the port to listen on, 0 for any free one, {@link ClusterSettings#NO_CONTENT_PORT} for none
     * @param keys the keys of the cluster channel now (a rotation may change them between streams)
     * @param view the cluster's view now, where the other members' content ports are
     */
    ContentPort(String self, String bindAddress, int port, Supplier<KeySet> keys, Supplier<ClusterView> view) {
        this.self = self;
        this.keys = keys;
        this.view = view;
        this.server = port == ClusterSettings.NO_CONTENT_PORT ? null : bind(bindAddress, port);
        this.address = server == null ? "" : bindAddress + ":" + server.getLocalPort();
        this.streams = new ThreadPoolExecutor(0, MAX_STREAMS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> JGroupsCluster.daemon(r, "carbide-content-stream"));
        if (server != null) {
            watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    r -> JGroupsCluster.daemon(r, "carbide-content-watchdog"));
            watchdog.scheduleWithFixedDelay(this::closeStalled, 1, 1, TimeUnit.SECONDS);
            acceptor = JGroupsCluster.daemon(this::accept, "carbide-content-port");
            acceptor.start();
        } else {
            watchdog = null;
            acceptor = null;
        }
    }

    private static ServerSocket bind(String bindAddress, int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 64);
            return socket;
        } catch (IOException e) {
            LOG.warn("Content port {}:{} could not be bound ({}); other members fetch this node's content over the "
                    + "cluster channel, more slowly. Free that port or set carbide.cluster.contentPort (0 for any free "
                    + "port)", bindAddress, port, e.getMessage());
            return null;
        }
    }

    /** {@code host:port} for the member description; empty when the node has no content port. */
    String address() {
        return address;
    }

    void close() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.debug("Closing the content port: {}", e.toString());
            }
            watchdog.shutdownNow();
        }
        // each wait below waits even when the stop itself comes interrupted; the interrupt is kept
        boolean interrupted = Thread.interrupted();
        if (acceptor != null) {
            try {
                // a connection it took as the port closed is handed to a stream first, then closed below
                acceptor.join(1_000);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        streams.shutdownNow();
        open.keySet().forEach(ContentPort::closeQuietly); // a thread blocked writing to a socket wakes only so
        try {
            streams.awaitTermination(2, TimeUnit.SECONDS); // none is left reading a blob its node is about to remove
        } catch (InterruptedException e) {
            interrupted = true;
        }
        open.keySet().forEach(ContentPort::closeQuietly); // one a stream registered while the first pass ran
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@link #close} left nothing running: no stream and no acceptor. */
    boolean stopped() {
        return streams.isTerminated() && (acceptor == null || !acceptor.isAlive());
    }

    /** Closes the connections that sent no request in time, or moved no byte for {@link #STALL_MILLIS}. */
    private void closeStalled() {
        long now = System.nanoTime();
        open.forEach((socket, lastMoved) -> {
            if (now - lastMoved.get() > TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
                String host = socket.getInetAddress().getHostAddress();
                badTraffic.report(host, "Content port " + address + " closed a connection from " + host + " that sent no "
                        + "request within " + REQUEST_MILLIS / 1000 + " s or moved no byte for " + STALL_MILLIS / 1000 + " s");
                closeQuietly(socket);
            }
        });
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** For {@code status.sh --json}: where the port listens and what went through it. */
    Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("address", address);
        status.put("bytesSent", bytesSent.get());
        status.put("bytesReceived", bytesReceived.get());
        status.put("streamsServed", streamsServed.get());
        return status;
    }

    // ---- serving

    @Override
    public AutoCloseable serve(ContentStore store) {
        stores.add(store);
        return () -> stores.remove(store);
    }

    private void accept() {
        long backoff = 0;
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
                backoff = 0;
            } catch (IOException e) {
                if (!server.isClosed()) {
                    // e.g. out of file descriptors: wait before the next try, and say so once a minute
                    badTraffic.report("accept", "Content port " + address + " cannot accept connections: " + e);
                    backoff = Math.min(1_000, Math.max(100, backoff * 2));
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException stopping) {
                        return;
                    }
                }
                continue;
            }
            try {
                streams.execute(() -> serve(socket));
            } catch (RejectedExecutionException busy) {
                try (socket) {
                    socket.setSoTimeout(1_000);
                    socket.getOutputStream().write(ContentWire.refusal(ContentWire.Status.BUSY));
                } catch (IOException e) {
                    // it will try again, or fetch over the cluster channel
                }
            }
        }
    }

    private void serve(Socket socket) {
        // by host: a flood from one host is one source, whatever ports its connections come from
        String peer = socket.getInetAddress().getHostAddress();
        // the request must arrive whole within REQUEST_MILLIS of the connection, however slowly it trickles
        AtomicLong lastMoved = new AtomicLong(System.nanoTime()
                - TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS - REQUEST_MILLIS));
        open.put(socket, lastMoved);
        try (socket) {
            socket.setSoTimeout(REQUEST_MILLIS);
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            OutputStream out = new BufferedOutputStream(new java.io.FilterOutputStream(socket.getOutputStream()) {
                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    this.out.write(bytes, offset, length);
                    lastMoved.set(System.nanoTime());
                }
            }, 64 * 1024);
            KeySet now = keys.get();
            ContentWire.Request request;
            try {
                request = ContentWire.readRequest(in, id -> keysById(now, id));
                lastMoved.set(System.nanoTime());
            } catch (ContentWire.Rejected e) {
                badTraffic.report(peer, "Content port " + address + " refused a connection from " + peer + ": "
                        + e.getMessage());
                out.write(ContentWire.refusal(e.status));
                out.flush();
                return;
            }
            ClusterKeys requestKeys = keysById(now, request.keyId());
            byte[] serverNonce = ContentWire.nonce();
            Optional<Path> blob = find(request.sha256());
            if (blob.isEmpty()) {
                Optional<Path> part = arriving(request.sha256());
                if (part.isPresent()) {
                    serveArriving(request, requestKeys, serverNonce, part.get(), out, lastMoved);
                    return;
                }
            }
            long size = blob.isPresent() ? java.nio.file.Files.size(blob.get()) : -1;
            if (blob.isEmpty() || request.offset() > size) {
                out.write(ContentWire.answer(requestKeys, request, ContentWire.Status.MISSING, serverNonce, 0));
                out.flush();
                return;
            }
            long length = Math.min(request.length(), size - request.offset());
            out.write(ContentWire.answer(requestKeys, request, ContentWire.Status.OK, serverNonce, length));
            send(blob.get(), request.offset(), length, out,
                    new ContentWire.Sealer(ContentWire.streamKey(requestKeys, request.clientNonce(), serverNonce)));
            out.flush();
            streamsServed.incrementAndGet();
        } catch (IOException e) {
            // the fetching node went away, or timed out: it resumes from what it has
            LOG.debug("Content stream to {} ended: {}", peer, e.toString());
        } finally {
            open.remove(socket);
        }
    }

    private Optional<Path> find(String sha256) throws IOException {
        for (ContentStore store : stores) {
            Optional<Path> blob = store.content(sha256);
            if (blob.isPresent()) {
                return blob;
            }
        }
        return Optional.empty();
    }

    private Optional<Path> arriving(String sha256) {
        for (ContentStore store : stores) {
            Optional<Path> part = store.arriving(sha256);
            if (part.isPresent()) {
                return part;
            }
        }
        return Optional.empty();
    }

    /**
     * Serves content still arriving here from the file it arrives in, as that grows: a worker
     * fetching from a peer gets the bytes a moment after the peer does, not after the peer has
     * them all. The answer promises the whole range; should the content stop arriving short of it
     * (its source failed, or it did not match its digest), the stream is cut, and the fetching
     * node goes on from another source at the byte it reached. What it received is checked
     * against the digest over the whole, as always.
     */
    private void serveArriving(ContentWire.Request request, ClusterKeys keys, byte[] serverNonce, Path part,
            OutputStream out, AtomicLong lastMoved) throws IOException {
        Object identity;
        FileChannel file;
        try {
            identity = identity(part);
            file = FileChannel.open(part, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            out.write(ContentWire.refusal(ContentWire.Status.BUSY)); // about to be created: ask again shortly
            out.flush();
            return;
        }
        try (file) {
            if (!identity.equals(identity(part))) { // replaced between the two looks: ask again shortly
                out.write(ContentWire.refusal(ContentWire.Status.BUSY));
                out.flush();
                return;
            }
            long length = request.length();
            out.write(ContentWire.answer(keys, request, ContentWire.Status.OK, serverNonce, length));
            ContentWire.Sealer sealer = new ContentWire.Sealer(ContentWire.streamKey(keys, request.clientNonce(),
                    serverNonce));
            byte[] plain = new byte[ContentWire.SENT_FRAME];
            long position = request.offset();
            long end = position + length;
            long grewAt = System.nanoTime();
            while (position < end) {
                ByteBuffer buffer = ByteBuffer.wrap(plain, 0, (int) Math.min(plain.length, end - position));
                while (buffer.hasRemaining() && file.read(buffer, position + buffer.position()) > 0) {
                    // as much as has arrived, up to a frame
                }
                if (buffer.position() > 0) {
                    sealer.write(out, plain, buffer.position());
                    position += buffer.position();
                    bytesSent.addAndGet(buffer.position());
                    grewAt = System.nanoTime();
                    continue;
                }
                out.flush(); // what was sent goes on its way while this waits for more
                if (!stillArriving(request.sha256(), identity) && file.size() <= position) {
                    throw new IOException("content " + request.sha256().substring(0, 12) + " stopped arriving at byte "
                            + position + " of " + end);
                }
                if (System.nanoTime() - grewAt > TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
                    // its own source stalls: the fetching node goes elsewhere rather than hold a stream thread
                    throw new IOException("content " + request.sha256().substring(0, 12) + " arrived no further than "
                            + "byte " + position + " for " + STALL_MILLIS / 1000 + " s");
                }
                lastMoved.set(System.nanoTime()); // waiting for the content, not for the client: no stall to report
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("stopping", e);
                }
            }
            out.flush();
            streamsServed.incrementAndGet();
        }
    }

    /** Whether the content still arrives in the file being served (not in a new one, after a failed attempt). */
    private boolean stillArriving(String sha256, Object identity) {
        Optional<Path> part = arriving(sha256);
        try {
            return part.isPresent() && (identity == null || identity.equals(identity(part.get())));
        } catch (IOException e) {
            return false; // renamed into place, or thrown away: what the file holds is all it will hold
        }
    }

    private static Object identity(Path file) throws IOException {
        return java.nio.file.Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    private void send(Path blob, long offset, long length, OutputStream out, ContentWire.Sealer sealer)
            throws IOException {
        byte[] plain = new byte[ContentWire.SENT_FRAME];
        try (FileChannel file = FileChannel.open(blob, StandardOpenOption.READ)) {
            long position = offset;
            long end = offset + length;
            while (position < end) {
                ByteBuffer buffer = ByteBuffer.wrap(plain, 0, (int) Math.min(plain.length, end - position));
                while (buffer.hasRemaining()) {
                    if (file.read(buffer, position + buffer.position()) < 0) {
                        throw new IOException(blob + " is shorter than it was a moment ago");
                    }
                }
                sealer.write(out, plain, buffer.position());
                position += buffer.position();
                bytesSent.addAndGet(buffer.position());
            }
        }
    }

    private static ClusterKeys keysById(KeySet keys, String id) {
        if (keys == null) {
            return null;
        }
        for (ClusterKeys accepted : keys.accepted()) {
            if (accepted.id().equals(id)) {
                return accepted;
            }
        }
        return null;
    }

    // ---- fetching

    @Override
    public boolean reaches(String member) {
        return contentAddress(member).isPresent();
    }

    private Optional<InetSocketAddress> contentAddress(String member) {
        for (ClusterMember m : view.get().members()) {
            if (m.name().equals(member) && !m.name().equals(self) && m.contentAddress() != null
                    && !m.contentAddress().isEmpty()) {
                String hostPort = m.contentAddress();
                int colon = hostPort.lastIndexOf(':');
                try {
                    return Optional.of(new InetSocketAddress(hostPort.substring(0, colon),
                            Integer.parseInt(hostPort.substring(colon + 1))));
                } catch (RuntimeException e) {
                    return Optional.empty(); // a description this node cannot read: fetch over the cluster instead
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void fetch(String member, String sha256, long offset, long length, OutputStream out, LongConsumer progress)
            throws IOException {
        fetch(member, sha256, offset, length, out, progress, java.time.Duration.ofMillis(BUSY_PATIENCE_MILLIS));
    }

    @Override
    public void fetch(String member, String sha256, long offset, long length, OutputStream out, LongConsumer progress,
            java.time.Duration busyPatience) throws IOException {
        InetSocketAddress target = contentAddress(member)
                .orElseThrow(() -> new IOException(member + " announced no content port"));
        KeySet now = keys.get();
        if (now == null) {
            throw new IOException("this node has not read its cluster secret yet");
        }
        // the key it seals with first; during a rotation the member may hold only the other
        List<ClusterKeys> tried = new ArrayList<>();
        tried.add(now.sealing());
        now.accepted().stream().filter(k -> !k.sameAs(now.sealing())).forEach(tried::add);
        IOException refused = null;
        long patience = System.nanoTime() + busyPatience.toNanos();
        long wait = 50;
        for (int i = 0; i < tried.size(); i++) {
            try {
                stream(member, target, tried.get(i), sha256, offset, length, out, progress);
                return;
            } catch (Refused e) {
                refused = e;
            } catch (Busy e) {
                // a slot frees as soon as one of the streams under way ends, or the content starts arriving there
                if (System.nanoTime() > patience) {
                    throw new Busy(member + "'s content port stayed busy for " + busyPatience.toMillis() + " ms");
                }
                sleep(wait + java.util.concurrent.ThreadLocalRandom.current().nextLong(wait));
                wait = Math.min(250, wait * 2); // a peer's content can be moments from arriving
                i--;
            }
        }
        throw refused;
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a busy content port", e);
        }
    }

    /** The member's port serves {@link #MAX_STREAMS} streams already. */
    private static final class Busy extends IOException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }

    /** The member refused this node's key: worth trying the other key of a rotation, nothing else. */
    private static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private void stream(String member, InetSocketAddress target, ClusterKeys key, String sha256, long offset,
            long length, OutputStream out, LongConsumer progress) throws IOException {
        byte[] clientNonce = ContentWire.nonce();
        byte[] request = ContentWire.request(key, clientNonce, sha256, offset, length);
        try (Socket socket = new Socket()) {
            socket.connect(target, CONNECT_MILLIS);
            socket.setSoTimeout(STALL_MILLIS);
            socket.setTcpNoDelay(true);
            socket.getOutputStream().write(request);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            ContentWire.Answer answer = ContentWire.readAnswer(in, key, request);
            switch (answer.status()) {
                case OK -> { }
                case MISSING -> throw new ContentMissingException(member + " holds no content with sha256 " + sha256);
                case REFUSED -> throw new Refused(member + "'s content port refused this node's cluster key "
                        + key.id());
                case BUSY -> throw new Busy(member + "'s content port is busy");
                default -> throw new IOException(member + "'s content port answered " + answer.status()
                        + " to a request of version " + ContentWire.VERSION);
            }
            if (answer.length() != length) {
                throw new IOException(member + " offers " + answer.length() + " bytes of " + sha256 + " from offset "
                        + offset + " where " + length + " were asked for");
            }
            SecretKey streamKey = ContentWire.streamKey(key, clientNonce, answer.serverNonce());
            ContentWire.Opener opener = new ContentWire.Opener(streamKey);
            byte[] plain = new byte[ContentWire.FRAME];
            long remaining = length;
            while (remaining > 0) {
                int n = opener.read(in, plain, remaining);
                out.write(plain, 0, n);
                remaining -= n;
                bytesReceived.addAndGet(n);
                progress.accept(n);
            }
        } catch (SocketException e) {
            throw new IOException(member + "'s content port " + target + ": " + e.getMessage(), e);
        }
    }
}
