package io.carbide.deployment.protocol;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ContentChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Fetches content by digest from another member: over its content port ({@link ContentChannel})
 * when it has one, else over the cluster, in chunks of {@value #CHUNK}
 * bytes with {@value #IN_FLIGHT} requests under way, so the next chunks travel while one is
 * written and no artifact, however large, is ever held whole in memory. Workers fetch from
 * managers, and managers from each other; any holder serves any content, since it is addressed by
 * its digest. The caller checks the digest of what it received.
 */
public final class ContentFetch {

    public static final int CHUNK = 512 * 1024;
    /** In flight at once: 1.5 MB, well under the stack's flow-control credits (UFC max_credits). */
    public static final int IN_FLIGHT = 3;
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ContentFetch() {
    }

    /**
     * Writes {@code size} bytes of the content {@code sha256} held by {@code member} into
     * {@code out}, strictly in order; {@code progress} runs after every chunk.
     */
    public static void fetch(Cluster cluster, String member, String sha256, long size, OutputStream out,
            Runnable progress) throws IOException {
        fetch(cluster, member, sha256, 0, size, out, progress);
    }

    /** Writes bytes {@code from} to {@code to} of the content, as {@link #fetch(Cluster, String, String, long, OutputStream, Runnable)}. */
    public static void fetch(Cluster cluster, String member, String sha256, long from, long to, OutputStream out,
            Runnable progress) throws IOException {
        Deque<CompletableFuture<ClusterMessage>> inFlight = new ArrayDeque<>();
        Deque<Integer> lengths = new ArrayDeque<>();
        long requested = from;
        long written = from;
        long size = to;
        while (written < size) {
            while (inFlight.size() < IN_FLIGHT && requested < size) {
                int length = (int) Math.min(CHUNK, size - requested);
                inFlight.add(cluster.request(member, ReplicationProtocol.encode(new ReplicationProtocol.Fetch(sha256,
                        requested, length)), TIMEOUT).toCompletableFuture());
                lengths.add(length);
                requested += length;
            }
            byte[] chunk = ReplicationProtocol.chunk(await(member, inFlight.poll()));
            int expected = lengths.poll();
            if (chunk.length != expected) {
                throw new IOException(member + " sent " + chunk.length + " bytes of " + sha256 + " at offset " + written
                        + " where " + expected + " were asked for");
            }
            out.write(chunk);
            written += chunk.length;
            progress.run();
        }
    }

    /** Streams broken part way on a content port that are resumed there before the cluster channel is tried. */
    private static final int RESUMES = 3;

    /**
     * Writes bytes {@code from} to {@code size} of the content {@code sha256} held by {@code member}
     * into {@code out}: over the member's content port when it has one (resumed where a broken
     * stream stopped), else, or once that keeps failing, the rest over the cluster channel.
     * {@code note} is told, in one line, of each resumption and fallback.
     *
     * @throws ContentChannel.ContentMissingException when the member said it lacks that content
     */
    public static void fetch(Cluster cluster, ContentChannel channel, String member, String sha256, long from,
            long size, OutputStream out, Runnable progress, java.util.function.Consumer<String> note)
            throws IOException {
        long[] position = {from};
        OutputStream counted = new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                position[0] += length;
            }
        };
        for (int attempt = 0; channel.reaches(member); attempt++) {
            long before = position[0];
            try {
                channel.fetch(member, sha256, before, size - before, counted, n -> progress.run());
                return;
            } catch (ContentChannel.ContentMissingException e) {
                if (position[0] > from) { // it had the content a moment ago: worth trying again later, from here
                    throw new IOException(e.getMessage() + " any more, after sending " + (position[0] - from)
                            + " bytes of it", e);
                }
                throw e;
            } catch (IOException e) {
                if (position[0] > before && attempt < RESUMES) {
                    note.accept("fetching " + sha256.substring(0, 12) + " from " + member + " stopped at byte "
                            + position[0] + " of " + size + " (" + e.getMessage() + "); resuming there");
                    continue;
                }
                note.accept("the content port of " + member + " failed at byte " + position[0] + " of " + size + " of "
                        + sha256.substring(0, 12) + " (" + e.getMessage() + "); fetching the rest over the cluster channel");
                break;
            }
        }
        fetch(cluster, member, sha256, position[0], size, counted, progress);
    }

    /** Waits for a reply, turning the ways a request fails into one IOException with a sentence. */
    public static ClusterMessage await(String member, CompletableFuture<ClusterMessage> reply) throws IOException {
        try {
            return reply.get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(cause instanceof TimeoutException
                    ? member + " did not answer within " + TIMEOUT.toSeconds() + " s" : cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + member, e);
        }
    }
}
