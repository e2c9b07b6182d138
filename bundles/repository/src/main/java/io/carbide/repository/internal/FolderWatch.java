package io.carbide.repository.internal;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports an archive dropped into the deploy folder as soon as it is whole, ahead of File Install.
 * File Install reports a file only once two of its polls, 100 ms apart, find the same size and
 * time: 100 to 200 ms after the drop, most of what a folder drop waited before the manager even
 * looked at it (bench/replication.sh, the "stored" phase). Here an archive is reported once the
 * file system has said nothing of it for {@value #QUIET_MILLIS} ms and it reads as a whole zip
 * ({@link #isWholeArchive}): a file still being copied, or written out of order with holes in it,
 * does not. One that does not read whole is left to File Install, which reports it once it stops
 * changing, and refuses it then if it is broken; nothing is refused here. Configurations are plain
 * text, which tells nothing of whether it is whole, and archives over {@value #MAX_BYTES} bytes
 * gain nothing from a tenth of a second: both are left to File Install alone.
 *
 * <p>A watched archive gone from the folder for the same quiet time is reported gone: File Install
 * reports a deletion only of a file it reported itself, so a drop reported here and deleted (or
 * renamed) before File Install saw it would otherwise stay recorded. A file deleted and put back
 * within the quiet time is a change of content, not a deletion, as it is to File Install.
 *
 * <p>File Install still reports every file, so most drops are reported twice; the deploy folder
 * takes a file up once (its ledger knows what it recorded, and what it refused as it stands).
 * What this watch misses (an overflow of its events, a folder on a file system that cannot be
 * watched) is File Install's and the sweep's, as before.
 */
final class FolderWatch implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(FolderWatch.class);
    /** How long an archive must go without a change reported before it is read to see whether it is whole. */
    static final long QUIET_MILLIS = 50;
    /** Archives larger than this are left to File Install: a tenth of a second is nothing beside their transfer. */
    static final long MAX_BYTES = 16L << 20;
    private static final int END_RECORD = 0x06054b50;
    private static final int END_RECORD_BYTES = 22;

    /** What the watch reports to the deploy folder, on the watch's own thread. */
    interface Report {
        /**
         * An archive that read whole ({@link #isWholeArchive}) after {@value #QUIET_MILLIS} ms
         * without a change, and did not change while it was read: {@code asRead} is its size and
         * time then, so the folder can tell whether it is still that file when it takes it up.
         */
        void whole(File file, FolderLedger.Entry asRead);

        /** A watched archive gone for {@value #QUIET_MILLIS} ms. */
        void gone(File file);
    }

    private final Path folder;
    private final Predicate<String> watched;
    private final Report report;
    private final WatchService watch;
    /** Names changed and not yet reported, with when their last change was seen (nanoTime). */
    private final Map<String, Long> changed = new HashMap<>();

    /**
     * @param watched which file names to follow (archives, not scratch files)
     * @param report  takes what was found, on the watch's own thread
     */
    FolderWatch(Path folder, Predicate<String> watched, Report report) throws IOException {
        this.folder = folder;
        this.watched = watched;
        this.report = report;
        this.watch = folder.getFileSystem().newWatchService();
        try {
            folder.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | RuntimeException e) {
            watch.close();
            throw e;
        }
        Thread thread = new Thread(this::follow, "carbide-deploy-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        try {
            while (true) {
                WatchKey key = changed.isEmpty() ? watch.take() : watch.poll(untilQuiet(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    noteChanges(key);
                    if (!key.reset()) {
                        LOG.warn("{} can no longer be watched (removed or unmounted?); File Install still reports what "
                                + "is dropped there, a little later", folder);
                        return;
                    }
                }
                reportQuiet();
            }
        } catch (InterruptedException | ClosedWatchServiceException stopping) {
            // closed: the deploy folder is going
        } catch (RuntimeException e) {
            LOG.warn("Stopped watching {} ahead of File Install: {}; File Install still reports what is dropped there, "
                    + "a little later", folder, e.toString());
        }
    }

    /** Milliseconds until the first name noted becomes quiet (at least 1). */
    private long untilQuiet() {
        long first = changed.values().stream().mapToLong(Long::longValue).min().orElse(System.nanoTime());
        long left = first + TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS) - System.nanoTime();
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 1);
    }

    private void noteChanges(WatchKey key) {
        long now = System.nanoTime();
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() != StandardWatchEventKinds.OVERFLOW && event.context() instanceof Path name
                    && watched.test(name.toString())) {
                changed.put(name.toString(), now);
            }
        }
    }

    private void reportQuiet() {
        long quietSince = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS);
        for (Iterator<Map.Entry<String, Long>> it = changed.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> entry = it.next();
            if (entry.getValue() - quietSince > 0) {
                continue; // changed too lately: still being written, perhaps
            }
            it.remove();
            File file = folder.resolve(entry.getKey()).toFile();
            if (!file.exists()) {
                report.gone(file);
            } else {
                readWhole(file).ifPresent(asRead -> report.whole(file, asRead));
            }
        }
    }

    /** The archive's size and time, if it reads whole and did not change while it was read. */
    private static Optional<FolderLedger.Entry> readWhole(File file) {
        try {
            FolderLedger.Entry before = FolderLedger.Entry.of(file.toPath());
            return isWholeArchive(file) && before.matches(file.toPath()) ? Optional.of(before) : Optional.empty();
        } catch (IOException gone) {
            return Optional.empty(); // its deletion is reported once it has been gone a while
        }
    }

    /**
     * Whether a file reads as one whole zip archive: it ends in its own end record ({@link
     * #endRecord}), and every entry, read in the order it was written, matches its CRC, as many as
     * the directory lists. A copy cut short has no end record yet; one written out of order has
     * holes that fail a CRC or a header.
     */
    static boolean isWholeArchive(File file) {
        if (file.length() > MAX_BYTES) {
            return false;
        }
        try {
            Optional<EndRecord> end = endRecord(file);
            return end.isPresent() && entriesMatch(file.toPath(), end.get());
        } catch (IOException | RuntimeException notYet) {
            return false;
        }
    }

    /** Where a zip archive's directory says it is, and how many entries it lists. */
    record EndRecord(int entries, long directoryAt) {
    }

    /**
     * A zip archive's end record, if it closes the file and its directory ends where the record
     * begins: not an archive stored inside another, cut short just after it (the JDK's ZipFile
     * would open that as the inner archive). Reads at most the last 64 KB, whatever the file's size.
     */
    static Optional<EndRecord> endRecord(File file) throws IOException {
        long length = file.length();
        if (!file.isFile() || length < END_RECORD_BYTES) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
            int tail = (int) Math.min(length, END_RECORD_BYTES + 0xFFFF);
            ByteBuffer end = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
            while (end.hasRemaining() && channel.read(end, length - tail + end.position()) > 0) {
                // read on
            }
            if (end.hasRemaining()) {
                return Optional.empty(); // shorter than it said: still being written
            }
            int at = tail - END_RECORD_BYTES;
            while (at >= 0 && !(end.getInt(at) == END_RECORD
                    && at + END_RECORD_BYTES + Short.toUnsignedInt(end.getShort(at + 20)) == tail)) {
                at--;
            }
            if (at < 0) {
                return Optional.empty();
            }
            long directoryBytes = Integer.toUnsignedLong(end.getInt(at + 12));
            long directoryAt = Integer.toUnsignedLong(end.getInt(at + 16));
            if (directoryAt + directoryBytes != length - tail + at) {
                return Optional.empty(); // the directory does not end at the record: not this file's own end
            }
            return Optional.of(new EndRecord(Short.toUnsignedInt(end.getShort(at + 10)), directoryAt));
        }
    }

    private static boolean entriesMatch(Path file, EndRecord end) throws IOException {
        int read = 0;
        int buffer = (int) Math.max(512, Math.min(64 * 1024, Files.size(file))); // a small archive, a small buffer
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(file), buffer))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                zip.transferTo(OutputStream.nullOutputStream()); // a CRC that does not match throws
                read++;
            }
        }
        return read == end.entries() && (read > 0 || end.directoryAt() == 0);
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException e) {
            LOG.debug("Could not close the watch of {}: {}", folder, e.toString());
        }
    }
}
