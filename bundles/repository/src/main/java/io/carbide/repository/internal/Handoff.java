package io.carbide.repository.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands work to a component's own thread from another's (the consensus' apply thread, JGroups'
 * delivery). The giver may call after that component began to stop: the work is dropped then,
 * never thrown back at the giver, and the component's next start reads the whole state again.
 */
final class Handoff {

    private static final Logger LOG = LoggerFactory.getLogger(Handoff.class);

    private Handoff() {
    }

    /** @return whether the thread took the task; false once its component is stopping */
    static boolean hand(Executor thread, Runnable task) {
        try {
            thread.execute(task);
            return true;
        } catch (RejectedExecutionException stopping) {
            LOG.debug("A task was left to the next start: its component is stopping");
            return false;
        }
    }

    /** {@link #hand} after a delay. */
    static boolean handLater(ScheduledExecutorService thread, Runnable task, long delayMillis) {
        try {
            thread.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException stopping) {
            LOG.debug("A task was left to the next start: its component is stopping");
            return false;
        }
    }
}
