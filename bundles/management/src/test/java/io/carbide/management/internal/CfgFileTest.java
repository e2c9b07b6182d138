package io.carbide.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CfgFileTest {

    @Test
    void whatTheConsoleWritesReadsBackTheSame(@TempDir Path dir) throws Exception {
        Map<String, String> properties = new TreeMap<>(Map.of(
                "greeting", "Hello, world: = # ! \\ done",
                "key with spaces", " leading space",
                "multi", "line one\nline two",
                "unicode", "Grüße 👋"));
        Path file = dir.resolve("hello.cfg");
        Files.writeString(file, CfgFile.format("hello", properties), StandardCharsets.ISO_8859_1);
        // values are read back stripped, as the deployment agent reads them
        Map<String, Object> read = CfgFile.read("hello.cfg", file);
        assertEquals("Hello, world: = # ! \\ done", read.get("greeting"));
        assertEquals("leading space", read.get("key with spaces"));
        assertEquals("line one\nline two", read.get("multi"));
        assertEquals("Grüße 👋", read.get("unicode"));
    }

    @Test
    void theSamePropertiesAlwaysGiveTheSameBytes() {
        assertEquals(CfgFile.format("p", Map.of("b", "2", "a", "1")), CfgFile.format("p", new TreeMap<>(Map.of("a", "1",
                "b", "2"))));
    }
}
