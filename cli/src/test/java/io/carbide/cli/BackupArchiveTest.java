package io.carbide.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupArchiveTest {

    @TempDir
    Path dir;

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** An archive as a manager writes it, with one entry's bytes replaced after its digest was taken when asked. */
    private Path archive(String name, boolean tampered) throws Exception {
        byte[] content = "greeting = hello\n".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("repository/repository.id", "repo-1\ngeneration 1\nretainedFrom 1\n".getBytes(StandardCharsets.US_ASCII));
        entries.put("repository/revisions.log", ("1\tput\tconfiguration\t" + sha256(content) + "\t17\thello.cfg\t5\tops\n")
                .getBytes(StandardCharsets.UTF_8));
        entries.put("repository/blobs/" + sha256(content), content);
        entries.put("records/management.users", "# carbide management users, format 1\nadmin = x\n".getBytes());
        entries.put("records/management.later", "a kind of record a later build keeps\n".getBytes());
        StringBuilder manifest = new StringBuilder("carbide backup format 1\nrepository repo-1\ngeneration 1\n"
                + "revision 1\nmanager mgr-1\nsomething-new later versions add\n");
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                manifest.append("file ").append(sha256(entry.getValue())).append(' ').append(entry.getValue().length)
                        .append(' ').append(entry.getKey()).append('\n');
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(tampered && entry.getKey().startsWith("repository/blobs/") ? "greeting = HELLO\n".getBytes()
                        : entry.getValue());
                zip.closeEntry();
            }
            zip.putNextEntry(new ZipEntry(BackupArchive.MANIFEST));
            zip.write(manifest.toString().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return file;
    }

    @Test
    void aWholeArchiveRestoresIntoAFreshBaseAndNotTwice() throws Exception {
        Path archive = archive("good.zip", false);
        BackupArchive.Manifest manifest = BackupArchive.verify(archive);
        assertEquals("repo-1", manifest.repositoryId());
        assertEquals(1, manifest.contents());
        Path base = dir.resolve("base");
        BackupArchive.Restored restored = BackupArchive.restore(archive, manifest, base, null);
        assertTrue(restored.generation() > 1, "a later generation than the backup's");
        assertEquals(java.util.List.of("records/management.later"), restored.unknownRecords(),
                "a record this build does not know is named, not dropped in silence");
        assertTrue(Files.readString(base.resolve("data/repository/revisions.log")).contains("hello.cfg"));
        assertTrue(Files.readString(base.resolve("conf/users.properties")).contains("admin = x"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(base.resolve("conf/users.properties"))));
        CommandFailure again = assertThrows(CommandFailure.class,
                () -> BackupArchive.restore(archive, manifest, base, null));
        assertTrue(again.getMessage().contains("is not a new, empty base"), again.getMessage());
    }

    @Test
    void restoreWithJsonPrintsWhatItPutInPlaceForScripts() throws Exception {
        Path archive = archive("good.zip", false);
        Path base = dir.resolve("scripted");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertEquals(ExitCode.OK, Carbide.run("restore", archive.toString(), "--base", base.toString(), "--json"));
        } finally {
            System.setOut(originalOut);
        }
        JsonObject summary = JsonParser.parseString(printed.toString(StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals("repo-1", summary.get("repositoryId").getAsString());
        assertEquals(1, summary.get("contents").getAsInt());
        assertTrue(summary.get("users").getAsBoolean());
        assertEquals(1, summary.get("backupGeneration").getAsLong());
        assertTrue(summary.get("generation").getAsLong() > 1, "the restored repository's new generation");
        assertEquals("records/management.later", summary.getAsJsonArray("unknownRecords").get(0).getAsString());
        assertEquals(base.toAbsolutePath().toString(), summary.get("base").getAsString());
    }

    @Test
    void aTruncatedOrTamperedArchiveIsRefusedWithItsFileNamed() throws Exception {
        Path whole = archive("whole.zip", false);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 40));
        CommandFailure truncated = assertThrows(CommandFailure.class, () -> BackupArchive.verify(cut));
        assertTrue(truncated.getMessage().startsWith(cut + " is not a usable backup"), truncated.getMessage());
        Path tampered = archive("tampered.zip", true);
        CommandFailure changed = assertThrows(CommandFailure.class, () -> BackupArchive.verify(tampered));
        assertTrue(changed.getMessage().contains("does not match its digest"), changed.getMessage());
        assertFalse(Files.exists(dir.resolve("base")));
    }
}
