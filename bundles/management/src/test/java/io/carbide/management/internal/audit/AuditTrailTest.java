package io.carbide.management.internal.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AuditTrailTest {

    @Test
    void aRequestIsNamedByWhatItDidAndToWhat() {
        assertArrayEquals(new String[] {"upload", "hello.jar"}, AuditTrail.kindOf("PUT", "/api/artifacts/hello.jar"));
        assertArrayEquals(new String[] {"undeploy", "hello.jar"}, AuditTrail.kindOf("DELETE", "/api/artifacts/hello.jar"));
        assertArrayEquals(new String[] {"config-set", "hello"}, AuditTrail.kindOf("PUT", "/api/config/hello"));
        assertArrayEquals(new String[] {"certificate-renew", ""}, AuditTrail.kindOf("POST", "/api/certificate/renew"));
        assertArrayEquals(new String[] {"certificate-install", ""}, AuditTrail.kindOf("PUT", "/api/certificate"));
        assertArrayEquals(new String[] {"rollout-abort", ""}, AuditTrail.kindOf("POST", "/api/rollout/abort"));
        assertArrayEquals(new String[] {"login", ""}, AuditTrail.kindOf("POST", "/api/login"));
        assertArrayEquals(new String[] {"user-set", "dan"}, AuditTrail.kindOf("PUT", "/api/users/dan"));
        assertArrayEquals(new String[] {"post /api/new-thing", ""}, AuditTrail.kindOf("POST", "/api/new-thing"));
    }

    @Test
    void linesOfALaterFormatOrCutShortAreSkippedNotMisread() {
        assertNull(AuditTrail.parse("{\"v\":1,\"at\":12,\"user\":\"dan\",\"ki"));
        assertNull(AuditTrail.parse("not json"));
        assertNull(AuditTrail.parse("{\"at\":12}"), "no format version");
        AuditTrail.Entry entry = AuditTrail.parse("{\"v\":2,\"at\":12,\"user\":\"dan\",\"kind\":\"upload\",\"target\":\"a.jar\","
                + "\"status\":201,\"outcome\":\"ok\",\"newField\":{\"x\":1}}");
        assertEquals("dan", entry.user());
        assertEquals(201, entry.status());
    }
}
