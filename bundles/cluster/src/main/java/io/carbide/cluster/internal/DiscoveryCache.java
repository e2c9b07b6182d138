package io.carbide.cluster.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.protocols.PDC;
import org.jgroups.util.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGroups' PDC: the members this node last knew, and where, kept in {@code data/cluster-discovery}
 * so that its next start asks them too (a lone manager that restarts finds its workers at once).
 * Three changes for a node that runs for months:
 * <ul>
 * <li>PDC writes a member's file every time its address is told again, which discovery does every
 *     few seconds for every member (some 30 writes a second in a domain of 10); a file is written
 *     here only when the address is new or changed.</li>
 * <li>What the last view held is marked fresh every {@link #MARK_EVERY} and when the node stops (a
 *     member's file is new when it joins, so a view change marks nothing: touching every file at each
 *     one would cost a thousand system calls per view in a domain of a thousand); at
 *     start, entries older than {@link #KEPT} are dropped, since the hosts of members that went
 *     while this node was down for long may be gone, and each unreachable one would hold the
 *     join's discovery up by a connection timeout. Temporary files a kill left behind go too.</li>
 * <li>The folder is created readable by the node's user only, like the rest of {@code data/}.</li>
 * </ul>
 */
public class DiscoveryCache extends PDC {

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryCache.class);
    static final Duration KEPT = Duration.ofDays(1);
    /** Often enough that a member in the view for days is never taken for gone after a kill -9. */
    static final Duration MARK_EVERY = Duration.ofHours(1);
    private static final String NODE_SUFFIX = ".node";

    private volatile View view;
    private volatile java.util.concurrent.Future<?> marking;

    /** Where the entries go (the stack file says it as {@code cache_dir}); for tests. */
    DiscoveryCache in(Path dir) {
        cache_dir = dir.toString();
        return this;
    }

    @Override
    public void init() throws Exception {
        prepare(Path.of(cache_dir), Instant.now());
        super.init();
    }

    /** Creates the folder owner-only, or drops what a kill left half written and entries older than {@link #KEPT}. */
    static void prepare(Path dir, Instant now) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                return;
            }
            int dropped = 0;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    boolean partial = name.startsWith("temp") && name.endsWith(".tmp");
                    boolean stale = name.endsWith(NODE_SUFFIX)
                            && Files.getLastModifiedTime(file).toInstant().isBefore(now.minus(KEPT));
                    if ((partial || stale) && Files.deleteIfExists(file)) {
                        dropped++;
                    }
                }
            }
            if (dropped > 0) {
                LOG.info("Dropped {} entries of {} older than {} h or half written: their members are asked no more",
                        dropped, dir, KEPT.toHours());
            }
        } catch (IOException e) {
            LOG.warn("Could not look over {}: {}; this node asks its well-known members only", dir, e.toString());
        }
    }

    @Override
    public Object down(Event event) {
        if (event.getType() == Event.ADD_PHYSICAL_ADDRESS) {
            Tuple<Address, PhysicalAddress> mapping = event.getArg();
            if (mapping != null && Objects.equals(cache.get(mapping.getVal1()), mapping.getVal2())) {
                return down_prot.down(event); // known already: nothing to write
            }
        }
        Object result = super.down(event);
        if (event.getType() == Event.VIEW_CHANGE) {
            view = event.getArg();
        }
        return result;
    }

    @Override
    public void start() throws Exception {
        super.start();
        long every = MARK_EVERY.toMillis();
        // may block (can_block): run on a pool thread, never the timer's own, which a slow disk would
        // hold up along with retransmission and failure detection
        marking = getTransport().getTimer().scheduleWithFixedDelay(this::markFresh, every, every,
                java.util.concurrent.TimeUnit.MILLISECONDS, true);
    }

    @Override
    public void stop() {
        java.util.concurrent.Future<?> scheduled = marking;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        markFresh();
        super.stop();
    }

    /** Gives the files of the last view's members the time of now: they were there then. */
    void markFresh() {
        View last = view;
        if (last == null || root_dir == null) {
            return;
        }
        FileTime now = FileTime.from(Instant.now());
        for (Address member : last.getMembers()) {
            File file = new File(root_dir, addressAsString(member) + NODE_SUFFIX);
            try {
                if (file.isFile()) {
                    Files.setLastModifiedTime(file.toPath(), now);
                }
            } catch (IOException | RuntimeException e) {
                // it is dropped a day after the node stops, as if that member had gone then
            }
        }
    }
}
