package io.carbide.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigurationDigestsTest {

    @Test
    void onlyConfigurationsLoseTheirDigestAndTheOriginalIsLeftAlone() {
        Map<String, Object> cfg = Map.of("name", "db.cfg", "type", "configuration", "sha256", "ab", "size", 40);
        Map<String, Object> jar = Map.of("name", "app.jar", "type", "bundle", "sha256", "cd", "size", 9);
        Map<String, Object> body = Map.of("artifacts", List.of(cfg, jar), "history", List.of(Map.of("name", "old.config",
                "sha256", "ef")));
        @SuppressWarnings("unchecked")
        Map<String, Object> shown = (Map<String, Object>) ConfigurationDigests.hidden(body);
        assertEquals("hidden", ((Map<?, ?>) ((List<?>) shown.get("artifacts")).get(0)).get("sha256"));
        assertEquals(40, ((Map<?, ?>) ((List<?>) shown.get("artifacts")).get(0)).get("size"));
        assertEquals("cd", ((Map<?, ?>) ((List<?>) shown.get("artifacts")).get(1)).get("sha256"));
        assertEquals("hidden", ((Map<?, ?>) ((List<?>) shown.get("history")).get(0)).get("sha256"));
        assertEquals("ab", cfg.get("sha256"), "a copy: cached pictures are not changed");
    }
}
