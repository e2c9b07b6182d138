package io.carbide.deployment.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WatchedWorkerTest {

    @Test
    void aStepThatHangsIsSeenOnceItPassesTheLimitAndForgottenOnceItEnds() throws Exception {
        WatchedWorker worker = new WatchedWorker("carbide-deployment-test", 1);
        try {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            worker.execute(() -> {
                started.countDown();
                try {
                    release.await(); // a refresh that never ends, say
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(started.await(5, TimeUnit.SECONDS));
            assertEquals(0, worker.longStepSeconds(), "not within the limit");
            assertEquals("carbide-deployment-test", worker.thread().getName());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (worker.longStepSeconds() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(worker.longStepSeconds() >= 1, "seen past the limit");
            assertTrue(WatchedWorker.where(worker.thread().getStackTrace()).contains("CountDownLatch.await"),
                    "and where it stands");
            release.countDown();
            worker.submit(() -> { }).get(5, TimeUnit.SECONDS);
            assertEquals(0, worker.longStepSeconds(), "a new step starts the count again");
        } finally {
            worker.shutdownNow();
        }
    }
}
