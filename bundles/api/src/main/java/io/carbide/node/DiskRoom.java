package io.carbide.node;

import java.io.File;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Room on disk for content, looked at before a byte of it is written. Content that would leave
 * less than a reserve free is refused whole, with one line naming the folder, what it needed and
 * what is free. Without it, one large artifact filled a worker's disk to the last byte: its part
 * file then held the space, so every small artifact after it failed too, and so did the node's
 * own records (its state file, status file and log; on a manager, the managers' log).
 *
 * <p>The reserve is a tenth of the file system, at most {@link #MAX_RESERVE} bytes. Two writers
 * that look at once can still both fit and together not: a write that then runs out of room is
 * told apart from other failures by {@link #explain}, so the caller can throw its partial file
 * away and say the same line.
 */
public final class DiskRoom {

    /** The most a node keeps free for its own records. */
    public static final long MAX_RESERVE = 64L << 20;

    private static final String ENOSPC = "No space left on device";
    /** Below this a disk counts as full whatever a failure says (a system whose messages are not in English). */
    private static final long FULL = 1 << 20;

    private DiskRoom() {
    }

    /** Content refused, or cut short, for want of room on disk. */
    public static final class NoRoomException extends IOException {
        private static final long serialVersionUID = 1L;

        NoRoomException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Refuses {@code bytes} more in {@code folder} when they would leave less than the reserve free.
     *
     * @param what the content, as the message names it (e.g. "big.zip", "big.zip unpacked")
     */
    public static void require(Path folder, long bytes, String what) throws NoRoomException {
        // the file system of the folder itself (statvfs), not a look-up in the mount table, which some
        // containers do not let a process read
        File dir = folder.toFile();
        long total = dir.getTotalSpace();
        if (total <= 0) {
            return; // a folder that is not there, or a file system that does not say its size: the write will tell
        }
        long free = dir.getUsableSpace();
        long reserve = reserve(total);
        if (bytes > free - reserve) {
            throw new NoRoomException(message(folder, what, bytes, free, reserve), null);
        }
    }

    /**
     * A failure to write {@code what} into {@code folder}, said as want of room when that is what
     * it was (the system's own "no space left", or a disk with less than a megabyte free); any
     * other failure as it is (a connection reset mid-transfer, say, keeps its part file).
     */
    public static IOException explain(IOException failure, Path folder, long bytes, String what) {
        if (failure instanceof NoRoomException || failure instanceof NoSuchFileException) {
            return failure;
        }
        File dir = folder.toFile();
        long total = dir.getTotalSpace();
        long free = dir.getUsableSpace();
        boolean full = saysNoSpace(failure) || (total > 0 && free < FULL);
        return full ? new NoRoomException(message(folder, what, bytes, free, reserve(total)), failure) : failure;
    }

    /**
     * Whether two lines say the same but for their figures: a refusal tried again names the free
     * space anew, which the node's own log writes change, and is still the same refusal, said once.
     */
    public static boolean alike(String a, String b) {
        return a != null && b != null && figureless(a).equals(figureless(b));
    }

    private static String figureless(String line) {
        return line.replaceAll("[0-9][0-9.,]*", "#");
    }

    /** Whether the failure, or one it was caused by, is the system's "no space left on device". */
    private static boolean saysNoSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(ENOSPC)) {
                return true;
            }
        }
        return false;
    }

    static long reserve(long totalSpace) {
        return Math.min(MAX_RESERVE, totalSpace / 10);
    }

    private static String message(Path folder, String what, long bytes, long free, long reserve) {
        String room = free >= reserve
                ? size(free) + " free, of which " + size(reserve) + " stay free for the node's own records"
                : size(Math.max(0, free)) + " free, less than the " + size(reserve) + " kept for the node's own records";
        return "not enough space in " + folder + " for " + what + " (" + (bytes > 0 ? size(bytes) + "; " : "") + room
                + "): free space on that disk";
    }

    /** A size as people read it: "30 MB", "1.5 MB", "147 bytes". */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        if (bytes < 1024 * 1024) {
            return (bytes >> 10) + " KB";
        }
        double mb = bytes / (1024.0 * 1024.0);
        return mb < 10 ? String.format(Locale.ROOT, "%.1f MB", mb) : Math.round(mb) + " MB";
    }
}
