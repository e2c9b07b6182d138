package io.carbide.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The API's lines as bin/carbide prints them: its closing hints name commands, nothing else changes. */
class ManagementApiTest {

    @Test
    void closingHintsNameTheCommandsThatDoTheSame() {
        assertEquals("no member named w-9 in cluster domain carbide; bin/carbide nodes lists them",
                ManagementApi.inCliTerms("no member named w-9 in cluster domain carbide; GET /api/cluster lists them"));
        assertEquals("rolled back to revision 3; bin/carbide nodes shows the nodes converge",
                ManagementApi.inCliTerms("rolled back to revision 3; GET /api/cluster shows the nodes converge"));
        assertEquals("waves w-1,w-2; bin/carbide rollout status follows it",
                ManagementApi.inCliTerms("waves w-1,w-2; GET /api/rollout follows it"));
    }

    @Test
    void pathsTheLineQuotesAndLinesAboutTheApiStayAsWritten() {
        String unknown = "no such API resource: GET /api/rollout; the README lists the API (GET /api/cluster, "
                + "/api/artifacts, /api/config, ...)";
        assertEquals(unknown, ManagementApi.inCliTerms(unknown));
        String rollout = "GET /api/rollout shows the staged rollout; POST /api/rollout/pause, /resume or /abort steer it";
        assertEquals(rollout, ManagementApi.inCliTerms(rollout));
        String ping = "ask again; GET /api/cluster/ping lists who answered";
        assertEquals(ping, ManagementApi.inCliTerms(ping));
    }
}
