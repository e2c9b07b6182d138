package io.carbide.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Bulk bytes between members, beside the cluster channel. The cluster channel carries control
 * messages; a 256 MB artifact goes here instead: a TCP stream of its own on the member's content
 * port ({@link ClusterMember#contentAddress()}), where each request proves it holds the cluster
 * secret, each answer proves the same back, and the bytes travel encrypted under a key fresh for
 * that stream. Content is addressed by its sha-256, which reached the fetching node over the
 * sealed cluster channel, so the caller checks what arrived against it.
 */
public interface ContentChannel {

    /** Where this node looks for the content it is asked for: e.g. a manager's blob store, a worker's verified copies. */
    @FunctionalInterface
    interface ContentStore {
        /** The file holding the content with this digest, if this node holds it whole. */
        Optional<Path> content(String sha256) throws IOException;

        /**
         * The file content with this digest is arriving in now, while it arrives: a member asking
         * for it is served the bytes as they come (not yet checked against the digest, which the
         * member checks over the whole as always), so a worker fetching from a peer need not wait
         * until the peer holds it all. Empty when it is not arriving here.
         */
        default Optional<Path> arriving(String sha256) {
            return Optional.empty();
        }
    }

    /** Serves content from {@code store} to the other members until the returned handle is closed. */
    AutoCloseable serve(ContentStore store);

    /** Whether {@code member} is in the view and announced a content port (a node of an older build does not). */
    boolean reaches(String member);

    /**
     * Writes bytes {@code offset} to {@code offset + length} of the content {@code sha256} held by
     * {@code member} into {@code out}, in order; {@code progress} is told how many bytes each
     * piece added. A transfer cut short throws, and what reached {@code out} before that is good
     * to keep: the caller resumes from there.
     *
     * @throws ContentMissingException when the member answered that it does not hold that content
     * @throws IOException when the member cannot be reached, refuses this node, or the stream breaks
     */
    void fetch(String member, String sha256, long offset, long length, OutputStream out,
            java.util.function.LongConsumer progress) throws IOException;

    /**
     * As {@link #fetch(String, String, long, long, OutputStream, java.util.function.LongConsumer)},
     * giving up on a member that stays busy for longer than {@code busyPatience}: a worker asking
     * a peer has the managers to turn to, and should not wait a minute for one.
     */
    default void fetch(String member, String sha256, long offset, long length, OutputStream out,
            java.util.function.LongConsumer progress, java.time.Duration busyPatience) throws IOException {
        fetch(member, sha256, offset, length, out, progress);
    }

    /** The member is reachable and answered, but holds no content with that digest. */
    final class ContentMissingException extends IOException {
        private static final long serialVersionUID = 1L;

        public ContentMissingException(String message) {
            super(message);
        }
    }
}
