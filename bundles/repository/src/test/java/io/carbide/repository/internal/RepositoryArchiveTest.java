package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.RepositoryBackup;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryArchiveTest {

    @TempDir
    Path dir;

    private static RevisionCommands.Answer apply(RevisionStateMachine machine, byte[] command) throws IOException {
        return RevisionCommands.answer(machine.apply(command));
    }

    @Test
    void theArchiveHoldsTheKeptHistoryItsContentAndTheRecordsWithTheManifestLast() throws Exception {
        BlobStore blobs = new BlobStore(dir.resolve("blobs"));
        Path source = Files.writeString(dir.resolve("app.cfg"), "greeting = hello\n");
        BlobStore.Stored stored = blobs.put(source);
        RevisionStateMachine machine = new RevisionStateMachine(reason -> {
            throw new AssertionError(reason);
        });
        apply(machine, RevisionCommands.init("repo-1", 1));
        apply(machine, RevisionCommands.put("app.cfg", ArtifactType.CONFIGURATION, stored.sha256(), stored.size(), "ops", 2));
        apply(machine, RevisionCommands.record("management.users", 0, "admin = x\n".getBytes(StandardCharsets.UTF_8)));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RepositoryBackup.Summary summary = RepositoryArchive.write(machine.backupView(shas -> { }), blobs, "mgr-1", bytes, java.util.Map.of());
        assertEquals(new RepositoryBackup.Summary("repo-1", 1, 1, 1, 1, stored.size()), summary);

        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null;) {
                entries.put(entry.getName(), zip.readAllBytes());
            }
        }
        List<String> names = new ArrayList<>(entries.keySet());
        assertEquals(List.of("repository/repository.id", "repository/revisions.log", "repository/blobs/" + stored.sha256(),
                "records/management.users", RepositoryArchive.MANIFEST), names);
        assertEquals("greeting = hello\n", new String(entries.get("repository/blobs/" + stored.sha256()),
                StandardCharsets.UTF_8));
        String manifest = new String(entries.get(RepositoryArchive.MANIFEST), StandardCharsets.UTF_8);
        assertTrue(manifest.startsWith("carbide backup format 1\nrepository repo-1\n"), manifest);
        for (String name : names.subList(0, names.size() - 1)) {
            String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(entries.get(name)));
            assertTrue(manifest.contains("file " + sha + " " + entries.get(name).length + " " + name + "\n"),
                    name + " in\n" + manifest);
        }
    }

    @Test
    void damagedContentIsNeverBackedUp() throws Exception {
        BlobStore blobs = new BlobStore(dir.resolve("blobs"));
        BlobStore.Stored stored = blobs.put(Files.writeString(dir.resolve("a.cfg"), "a = 1\n"));
        Files.writeString(blobs.get(stored.sha256()).orElseThrow(), "a = 2\n"); // the disk changed it
        RevisionStateMachine machine = new RevisionStateMachine(reason -> {
            throw new AssertionError(reason);
        });
        apply(machine, RevisionCommands.init("repo-1", 1));
        apply(machine, RevisionCommands.put("a.cfg", ArtifactType.CONFIGURATION, stored.sha256(), stored.size(), "ops", 2));
        IOException refused = assertThrows(IOException.class,
                () -> RepositoryArchive.write(machine.backupView(shas -> { }), blobs, "mgr-1", new ByteArrayOutputStream(),
                        java.util.Map.of()));
        assertTrue(refused.getMessage().contains("is damaged"), refused.getMessage());
    }
}
