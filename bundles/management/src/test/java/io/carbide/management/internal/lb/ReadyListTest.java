package io.carbide.management.internal.lb;

import static io.carbide.management.internal.lb.ReadyList.Probe.NOT_READY;
import static io.carbide.management.internal.lb.ReadyList.Probe.READY;
import static io.carbide.management.internal.lb.ReadyList.Probe.SILENT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReadyListTest {

    private static final Backends.Server W1 = new Backends.Server("w1", "127.0.0.1", 9765);
    private static final Backends.Server W2 = new Backends.Server("w2", "127.0.0.1", 9766);
    private static final List<Backends.Server> BOTH = List.of(W1, W2);

    @Test
    void oneRoundOfSilenceFromEveryNodeDoesNotEmptyTheLoadBalancer() {
        ReadyList list = new ReadyList();
        assertEquals(BOTH, list.update(BOTH, List.of(READY, READY)));
        assertEquals(BOTH, list.update(BOTH, List.of(SILENT, SILENT)), "the manager stalled, not the fleet");
        assertEquals(BOTH, list.update(BOTH, List.of(READY, READY)));
        assertEquals(BOTH, list.update(BOTH, List.of(SILENT, READY)), "the count starts again after an answer");
        assertEquals(List.of(W2), list.update(BOTH, List.of(SILENT, READY)), "silent twice in a row: out");
        assertEquals(BOTH, list.update(BOTH, List.of(READY, READY)), "back at its first ready answer");
    }

    @Test
    void aNodeThatSaysItIsNotReadyLeavesAtOnce() {
        ReadyList list = new ReadyList();
        list.update(BOTH, List.of(READY, READY));
        assertEquals(List.of(W2), list.update(BOTH, List.of(NOT_READY, READY)), "draining or catching up");
    }

    @Test
    void nothingListeningIsDefiniteAndATimeoutIsSilence() {
        assertEquals(NOT_READY, ReadyList.Probe.failed(
                new java.util.concurrent.CompletionException(new java.net.ConnectException("Connection refused"))));
        java.net.http.HttpConnectTimeoutException connectTimeout =
                new java.net.http.HttpConnectTimeoutException("HTTP connect timed out");
        connectTimeout.initCause(new java.net.ConnectException("HTTP connect timed out"));
        assertEquals(SILENT, ReadyList.Probe.failed(new java.util.concurrent.CompletionException(connectTimeout)));
        assertEquals(SILENT, ReadyList.Probe.failed(new java.net.http.HttpTimeoutException("request timed out")));
        assertEquals(SILENT, ReadyList.Probe.failed(new java.io.IOException("connection reset")));
    }

    @Test
    void aNodeNeverSeenReadyIsNotListedWhileSilent() {
        ReadyList list = new ReadyList();
        assertEquals(List.of(W2), list.update(BOTH, List.of(SILENT, READY)));
    }

    @Test
    void aNodeThatLeftTheViewIsForgotten() {
        ReadyList list = new ReadyList();
        list.update(BOTH, List.of(READY, READY));
        list.update(List.of(W2), List.of(READY));
        assertEquals(List.of(W2), list.update(BOTH, List.of(SILENT, READY)),
                "w1 came back under the same name: it must answer ready again first");
    }
}
