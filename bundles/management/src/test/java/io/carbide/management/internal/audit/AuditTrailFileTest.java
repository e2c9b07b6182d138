package io.carbide.management.internal.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.node.NodeIdentity;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditTrailFileTest {

    @TempDir
    Path base;

    private AuditTrail open() {
        return new AuditTrail((NodeIdentity) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {NodeIdentity.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "base" -> base;
                    case "name" -> "mgr";
                    default -> throw new UnsupportedOperationException(method.getName());
                }));
    }

    private static AuditTrail.Entry entry(long at, String user) {
        return new AuditTrail.Entry(at, "mgr", user, "127.0.0.1", "upload", "a.jar", Map.of("revision", 3), 201, "ok");
    }

    @Test
    void entriesSurviveAReopenAndALineCutShortByACrashCostsOnlyItself() throws Exception {
        AuditTrail trail = open();
        trail.append(entry(1, "dan"));
        trail.close();
        Path file = base.resolve("data/audit/audit.jsonl");
        Files.writeString(file, "{\"v\":1,\"at\":2,\"us", StandardCharsets.UTF_8, StandardOpenOption.APPEND); // a crash
        trail = open();
        trail.append(entry(3, "eve"));
        List<AuditTrail.Entry> newest = trail.newest(e -> true, 10);
        assertEquals(List.of("eve", "dan"), newest.stream().map(AuditTrail.Entry::user).toList());
        assertEquals(3, Files.readAllLines(file).size(), "the cut line stays on its own");
        trail.close();
    }

    @Test
    void theTrailRotatesAtFiveMegabytesKeepsFiveFilesBeforeItAndReadsAcrossThem() throws Exception {
        AuditTrail trail = open();
        String large = "x".repeat(600 * 1024); // eight entries to a file, so sixty make more rotations than are kept
        for (int i = 1; i <= 60; i++) {
            trail.append(new AuditTrail.Entry(i, "mgr", "u" + i, "127.0.0.1", "upload", large, Map.of(), 201, "ok"));
        }
        Path dir = base.resolve("data/audit");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.jsonl.3", "audit.jsonl.4",
                    "audit.jsonl.5"), files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(f -> f.toFile().length() <= AuditTrail.ROTATE_BYTES), "none grows past 5 MB");
        }
        List<AuditTrail.Entry> newest = trail.newest(e -> true, 1000);
        assertEquals("u60", newest.get(0).user(), "the newest first");
        assertEquals(44, newest.size(), "the current file and the five before it: 4 + 5 x 8 entries");
        for (int i = 1; i < newest.size(); i++) {
            assertEquals(newest.get(i - 1).at() - 1, newest.get(i).at(), "in order across the files, none skipped");
        }
        trail.close();
    }
}
