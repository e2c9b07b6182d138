package io.carbide.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies streams in pieces of a megabyte. {@code InputStream.transferTo} copies 8 KB at a time,
 * which for a 256 MB artifact is 32,768 reads and writes where 256 do, and the digest streams
 * around them update at the same grain.
 */
public final class LargeCopy {

    public static final int BUFFER = 1 << 20;

    private LargeCopy() {
    }

    /** Copies everything {@code in} holds into {@code out}; returns how many bytes. */
    public static long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long copied = 0;
        for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0;) {
            out.write(buffer, 0, n);
            copied += n;
        }
        return copied;
    }

    /** Reads the whole file into {@code digest}; returns how many bytes it held. */
    public static long digest(java.nio.file.Path file, java.security.MessageDigest digest) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return copy(new java.security.DigestInputStream(in, digest), OutputStream.nullOutputStream());
        }
    }
}
