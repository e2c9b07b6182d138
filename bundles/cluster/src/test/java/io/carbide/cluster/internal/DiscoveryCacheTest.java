package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jgroups.Event;
import org.jgroups.PhysicalAddress;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.jgroups.util.Tuple;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiscoveryCacheTest {

    @TempDir
    Path base;

    /** The transport below, as far as the cache is concerned: it takes every address it is told. */
    private static final class Transport extends Protocol {
        @Override
        public Object down(Event event) {
            return Boolean.TRUE;
        }
    }

    private static Event told(UUID member, PhysicalAddress at) {
        return new Event(Event.ADD_PHYSICAL_ADDRESS, new Tuple<>(member, at));
    }

    @Test
    void aMemberIsWrittenWhenItsAddressIsNewOrChangedNotEveryTimeItIsTold() throws Exception {
        Path dir = base.resolve("data/cluster-discovery");
        DiscoveryCache cache = new DiscoveryCache().in(dir);
        cache.setDownProtocol(new Transport());
        cache.init();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));

        UUID worker = UUID.randomUUID();
        cache.down(told(worker, new IpAddress("127.0.0.1", 4002)));
        Path file = dir.resolve(worker.toStringLong() + ".node");
        assertTrue(Files.isRegularFile(file), "written when new: " + List.of(dir.toFile().list()));
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(3)));
        Files.setLastModifiedTime(file, old);

        for (int i = 0; i < 100; i++) { // discovery tells it again every few seconds
            cache.down(told(worker, new IpAddress("127.0.0.1", 4002)));
        }
        assertEquals(old, Files.getLastModifiedTime(file), "not written again while it is the same");

        cache.down(told(worker, new IpAddress("127.0.0.1", 4012)));
        assertNotEquals(old, Files.getLastModifiedTime(file), "written again once it moved");
    }

    @Test
    void aViewChangeTouchesNoFileAndTheHourlyMarkKeepsTheViewsMembersFresh() throws Exception {
        Path dir = base.resolve("cluster-discovery");
        DiscoveryCache cache = new DiscoveryCache().in(dir);
        cache.setDownProtocol(new Transport());
        cache.init();
        UUID self = UUID.randomUUID();
        UUID worker = UUID.randomUUID();
        UUID gone = UUID.randomUUID();
        for (UUID member : List.of(self, worker, gone)) {
            cache.down(told(member, new IpAddress("127.0.0.1", 4000 + List.of(self, worker, gone).indexOf(member))));
        }
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(20)));
        for (UUID member : List.of(worker, gone)) {
            Files.setLastModifiedTime(dir.resolve(member.toStringLong() + ".node"), old);
        }

        cache.down(new Event(Event.VIEW_CHANGE, org.jgroups.View.create(self, 2, self, worker)));
        assertEquals(old, Files.getLastModifiedTime(dir.resolve(worker.toStringLong() + ".node")),
                "a view change writes nothing: at a thousand members it would be a thousand system calls");

        cache.markFresh(); // what the hourly timer and the stop do
        assertNotEquals(old, Files.getLastModifiedTime(dir.resolve(worker.toStringLong() + ".node")),
                "a member of the view stays fresh however long the view lasts");
        Path goneFile = dir.resolve(gone.toStringLong() + ".node");
        assertTrue(!Files.exists(goneFile) || old.equals(Files.getLastModifiedTime(goneFile)),
                "a member that left is not marked: a day on, its entry is dropped");
    }

    @Test
    void atStartWhatAKillLeftHalfWrittenAndEntriesOlderThanADayAreDropped() throws Exception {
        Path dir = Files.createDirectories(base.resolve("cluster-discovery"));
        Path fresh = Files.writeString(dir.resolve("fresh.node"), "x");
        Path stale = Files.writeString(dir.resolve("stale.node"), "x");
        Path partial = Files.writeString(dir.resolve("temp123.tmp"), "x");
        Instant now = Instant.now();
        Files.setLastModifiedTime(fresh, FileTime.from(now.minus(Duration.ofHours(23))));
        Files.setLastModifiedTime(stale, FileTime.from(now.minus(Duration.ofHours(25))));

        DiscoveryCache.prepare(dir, now);

        assertTrue(Files.exists(fresh), "a member seen within the day is asked again");
        assertFalse(Files.exists(stale), "one gone for longer is not");
        assertFalse(Files.exists(partial), "nor a file a kill cut short");
    }
}
