package io.carbide.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies streams in pieces of a megabyte. {@code InputStream.transferTo} copies 8 KB at a time,
 * which for a 256 MB artifact is 32,768 reads and writes where 256 do, and the digest streams
 * around them update at the same grain. A stream expected to be small is copied with a buffer of
 * its size: a burst of a thousand small artifacts allocated a megabyte for each copy and each
 * digest, two gigabytes on a manager, most of its garbage collections.
 */
public final class LargeCopy {

    public static final int BUFFER = 1 << 20;
    /** The first piece of a stream of unknown size: most artifacts fit whole. */
    private static final int FIRST_PIECE = 64 * 1024;

    private LargeCopy() {
    }

    /** Copies everything {@code in} holds into {@code out}; returns how many bytes. */
    public static long copy(InputStream in, OutputStream out) throws IOException {
        return copy(in, out, FIRST_PIECE - 1);
    }

    /**
     * Copies everything {@code in} holds into {@code out}, expecting about {@code expected} bytes
     * (a hint: a longer stream is copied whole all the same, in megabyte pieces once it turns out
     * longer); returns how many bytes.
     */
    public static long copy(InputStream in, OutputStream out, long expected) throws IOException {
        byte[] buffer = new byte[(int) Math.max(1, Math.min(BUFFER, expected + 1))];
        long copied = 0;
        for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0;) {
            out.write(buffer, 0, n);
            copied += n;
            if (n == buffer.length && buffer.length < BUFFER) {
                buffer = new byte[BUFFER];
            }
        }
        return copied;
    }

    /** Reads the whole file into {@code digest}; returns how many bytes it held. */
    public static long digest(java.nio.file.Path file, java.security.MessageDigest digest) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return copy(new java.security.DigestInputStream(in, digest), OutputStream.nullOutputStream(),
                    java.nio.file.Files.size(file));
        }
    }
}
