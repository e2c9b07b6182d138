package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderWatchTest {

    /** What the watch reported, in order: "+name" for a whole archive, "-name" for one gone. */
    private final BlockingQueue<String> reports = new LinkedBlockingQueue<>();

    private FolderWatch watch(Path deploy) throws IOException {
        return new FolderWatch(deploy, name -> name.endsWith(".zip"), new FolderWatch.Report() {
            @Override
            public void whole(File file, FolderLedger.Entry asRead) {
                try {
                    assertTrue(asRead.matches(file.toPath()), "reported with the size and time it was read whole at");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                reports.add("+" + file.getName());
            }

            @Override
            public void gone(File file) {
                reports.add("-" + file.getName());
            }
        });
    }

    private String next() throws InterruptedException {
        return reports.poll(10, TimeUnit.SECONDS);
    }

    @Test
    void anArchiveMovedInIsReportedAtOnceAndSoIsItsDeletion(@TempDir Path dir) throws Exception {
        Path deploy = Files.createDirectory(dir.resolve("deploy"));
        Path built = Files.write(dir.resolve("shop.zip"), webApp(1));
        try (FolderWatch watch = watch(deploy)) {
            Files.move(built, deploy.resolve("shop.zip"), StandardCopyOption.ATOMIC_MOVE);
            assertEquals("+shop.zip", next());
            Files.delete(deploy.resolve("shop.zip"));
            assertEquals("-shop.zip", next(), "a drop deleted before File Install saw it must not stay recorded");
        }
    }

    @Test
    void anArchiveRenamedInTheFolderIsOneGoneAndOneNew(@TempDir Path dir) throws Exception {
        Path deploy = Files.createDirectory(dir.resolve("deploy"));
        Files.write(deploy.resolve("a.zip"), webApp(1));
        try (FolderWatch watch = watch(deploy)) {
            Files.move(deploy.resolve("a.zip"), deploy.resolve("b.zip"), StandardCopyOption.ATOMIC_MOVE);
            String first = next();
            String second = next();
            assertEquals(java.util.Set.of("-a.zip", "+b.zip"), java.util.Set.of(first, second));
        }
    }

    @Test
    void anArchiveStillBeingCopiedIsNotReportedUntilItIsWhole(@TempDir Path dir) throws Exception {
        Path deploy = Files.createDirectory(dir.resolve("deploy"));
        byte[] zip = webApp(1);
        try (FolderWatch watch = watch(deploy);
                OutputStream copying = Files.newOutputStream(deploy.resolve("shop.zip"))) {
            copying.write(zip, 0, zip.length / 2);
            copying.flush();
            // a copy that stalls half way, well past the quiet time: its end record is not there yet
            assertNull(reports.poll(FolderWatch.QUIET_MILLIS * 6, TimeUnit.MILLISECONDS),
                    "half an archive must never be reported");
            copying.write(zip, zip.length / 2, zip.length - zip.length / 2);
            copying.flush();
            assertEquals("+shop.zip", next());
        }
    }

    @Test
    void namesNotWatchedAreLeftToFileInstallEvenWhenWhole(@TempDir Path dir) throws Exception {
        Path deploy = Files.createDirectory(dir.resolve("deploy"));
        try (FolderWatch watch = watch(deploy)) {
            Files.write(deploy.resolve("app.jar"), webApp(1)); // a whole archive, but not a name this watch follows
            Files.write(deploy.resolve("other.zip"), webApp(2));
            assertEquals("+other.zip", next());
            assertNull(reports.poll(FolderWatch.QUIET_MILLIS * 4, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void onlyAWholeArchiveOfItsOwnIsWhole(@TempDir Path dir) throws IOException {
        byte[] zip = webApp(1);
        assertTrue(FolderWatch.isWholeArchive(Files.write(dir.resolve("a.zip"), zip).toFile()));
        assertFalse(FolderWatch.isWholeArchive(Files.write(dir.resolve("b.zip"),
                Arrays.copyOf(zip, zip.length - 1)).toFile()), "one byte short");
        assertFalse(FolderWatch.isWholeArchive(Files.write(dir.resolve("c.zip"), new byte[0]).toFile()), "empty");
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        assertFalse(FolderWatch.isWholeArchive(Files.write(dir.resolve("d.zip"), noise).toFile()), "random bytes");
        assertFalse(FolderWatch.isWholeArchive(dir.resolve("missing.zip").toFile()));
    }

    @Test
    void anArchiveCutShortJustAfterAnArchiveStoredInsideItIsNotWhole(@TempDir Path dir) throws IOException {
        // a web app carrying a library stored as it is (as zip and fat jars store archives): cut
        // just after the inner archive, the file ends in the inner archive's end record, and the
        // JDK's ZipFile opens it as that inner archive
        byte[] inner = webApp(3);
        byte[] outer = storedInside(inner);
        int innerEnds = indexOf(outer, inner) + inner.length;
        byte[] cut = Arrays.copyOf(outer, innerEnds);
        try (java.util.zip.ZipFile opens = new java.util.zip.ZipFile(Files.write(dir.resolve("jdk.zip"), cut).toFile())) {
            assertTrue(opens.size() > 0, "the JDK takes the cut file for the inner archive");
        }
        assertFalse(FolderWatch.isWholeArchive(Files.write(dir.resolve("cut.zip"), cut).toFile()));
        assertTrue(FolderWatch.isWholeArchive(Files.write(dir.resolve("outer.zip"), outer).toFile()));
    }

    @Test
    void anArchiveWrittenOutOfOrderWithAHoleIsNotWhole(@TempDir Path dir) throws IOException {
        // a download in several parts at once: the end is in place while a part in the middle is still zeros
        byte[] zip = storedInside(webApp(4));
        byte[] holey = zip.clone();
        Arrays.fill(holey, zip.length / 3, zip.length / 3 + 4096, (byte) 0);
        assertFalse(FolderWatch.isWholeArchive(Files.write(dir.resolve("holey.zip"), holey).toFile()));
    }

    @Test
    void aLargeArchiveIsLeftToFileInstall(@TempDir Path dir) throws IOException {
        Path large = dir.resolve("large.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(large))) {
            zip.setLevel(0);
            zip.putNextEntry(new ZipEntry("blob.bin"));
            byte[] block = new byte[1 << 20];
            for (long written = 0; written <= FolderWatch.MAX_BYTES; written += block.length) {
                zip.write(block);
            }
            zip.closeEntry();
        }
        assertFalse(FolderWatch.isWholeArchive(large.toFile()));
    }

    /** A small web app whose page cannot be compressed, so it is long enough to stop half way. */
    private static byte[] webApp(int seed) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("index.html"));
            byte[] page = new byte[64 * 1024];
            new Random(seed).nextBytes(page);
            zip.write("<h1>shop</h1>".getBytes(StandardCharsets.UTF_8));
            zip.write(page);
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** A web app holding {@code library} stored as it is, followed by a page. */
    private static byte[] storedInside(byte[] library) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            ZipEntry stored = new ZipEntry("WEB-INF/lib/library.zip");
            stored.setMethod(ZipEntry.STORED);
            stored.setSize(library.length);
            CRC32 crc = new CRC32();
            crc.update(library);
            stored.setCrc(crc.getValue());
            zip.putNextEntry(stored);
            zip.write(library);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("index.html"));
            zip.write("<h1>outer</h1>".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not inside");
    }
}
