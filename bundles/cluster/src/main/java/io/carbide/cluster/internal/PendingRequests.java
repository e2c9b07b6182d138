package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMessage;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests this node sent and still waits on, by correlation id. A request ends with the reply,
 * a failure reply, its timeout, or the departure of the member it went to.
 */
final class PendingRequests {

    private record Pending(String member, CompletableFuture<ClusterMessage> reply) {
    }

    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

    long open(String member, CompletableFuture<ClusterMessage> reply, Duration timeout) {
        long id = nextId.getAndIncrement();
        pending.put(id, new Pending(member, reply));
        // however the request ends (reply, failure, timeout), it is no longer pending
        reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> pending.remove(id));
        return id;
    }

    void replied(long id, ClusterMessage reply) {
        Pending request = pending.remove(id);
        if (request != null) {
            request.reply().complete(reply);
        }
    }

    void failed(long id, String reason) {
        Pending request = pending.remove(id);
        if (request != null) {
            request.reply().completeExceptionally(new IllegalStateException(reason));
        }
    }

    /** Fails the requests to members that are no longer in the view. */
    void membersLeft(Set<String> present) {
        pending.forEach((id, request) -> {
            if (!present.contains(request.member())) {
                failed(id, "member " + request.member() + " left the cluster before replying");
            }
        });
    }

    void failAll(String reason) {
        pending.keySet().forEach(id -> failed(id, reason));
    }
}
