package io.carbide.management.internal.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
