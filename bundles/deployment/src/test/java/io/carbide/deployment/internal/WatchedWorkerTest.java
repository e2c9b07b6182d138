package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class WatchedWorkerTest {

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 20 s: " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void aStepThatWaitsWithoutWorkingIsSeenAsStalledAndForgottenOnceItEnds() throws Exception {
        WatchedWorker worker = new WatchedWorker("carbide-deployment-test", 2);
        try {
            CountDownLatch release = new CountDownLatch(1);
            worker.execute(() -> {
                try {
                    release.await(); // a refresh that never ends, say
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            awaitTrue("seen stalled", () -> worker.stalledSeconds() >= 2);
            assertEquals("carbide-deployment-test", worker.thread().getName());
            assertTrue(WatchedWorker.where(worker.thread().getStackTrace()).contains("CountDownLatch.await"),
                    "and where it stands");
            release.countDown();
            worker.submit(() -> { }).get(5, TimeUnit.SECONDS);
            awaitTrue("forgotten once it ended", () -> worker.stalledSeconds() == 0);
        } finally {
            worker.shutdownNow();
        }
    }

    @Test
    void aLongStepThatWorksAllAlongIsNotStalled() throws Exception {
        WatchedWorker worker = new WatchedWorker("carbide-deployment-test", 2);
        try {
            AtomicBoolean stop = new AtomicBoolean();
            Future<?> busy = worker.submit(() -> {
                long sum = 0;
                while (!stop.get()) { // a large transfer: digesting and writing all along
                    sum += Long.numberOfTrailingZeros(System.nanoTime() | 1);
                }
                return sum;
            });
            Thread.sleep(5_000);
            assertEquals(0, worker.stalledSeconds(), "busy for 5 s with a limit of 2: at work, not stalled");
            stop.set(true);
            busy.get(5, TimeUnit.SECONDS);
        } finally {
            worker.shutdownNow();
        }
    }
}
