package io.carbide.cluster.internal;

import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.NoQuorumException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.protocols.raft.RaftLeaderException;

/**
 * The proposals this manager has sent and not yet seen answered. REDIRECT forwards a proposal to
 * the leader and waits for its answer without a limit: if the leader dies, the answer never comes.
 * So every proposal has a timeout, a change of leader ends those sent to the old one at once, and
 * leaving ends them all; each failure says, in the caller's terms, what it means.
 */
final class Proposals {

    private final Supplier<ConsensusState> state;
    /** Each pending proposal and the leader it was sent to ("" for none). */
    private final Map<CompletableFuture<byte[]>, String> pending = new ConcurrentHashMap<>();

    Proposals(Supplier<ConsensusState> state) {
        this.state = state;
    }

    /** Sends one log entry through {@code channel}'s REDIRECT to whichever manager leads. */
    CompletableFuture<byte[]> submit(ManagersChannel channel, byte[] entry, Duration timeout) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        Address leader = channel.raft().leader();
        pending.put(answer, leader == null ? "" : ManagersChannel.raftId(leader));
        answer.whenComplete((result, failure) -> pending.remove(answer));
        try {
            channel.redirect().setAsync(entry, 0, entry.length).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((result, failure) -> {
                        if (failure == null) {
                            answer.complete(result);
                        } else {
                            answer.completeExceptionally(translate(failure, timeout));
                        }
                    });
        } catch (Exception e) {
            answer.completeExceptionally(translate(e, timeout));
        }
        return answer;
    }

    /**
     * The leader changed: proposals sent to the old one would otherwise wait out their timeout
     * (its answer never comes). They end now, saying that they may have counted.
     */
    void leaderChanged(String newLeader) {
        pending.forEach((proposal, sentTo) -> {
            if (!sentTo.equals(newLeader)) {
                proposal.completeExceptionally(new NoQuorumException("the leader changed (" + (sentTo.isEmpty() ? "none"
                        : sentTo) + " to " + (newLeader.isEmpty() ? "none" : newLeader) + ") while the change was being "
                        + "committed; it may or may not count: look before sending it again"));
            }
        });
    }

    void failAll(String why) {
        pending.keySet().forEach(proposal -> proposal.completeExceptionally(new NoQuorumException(why)));
    }

    /** What a failed proposal means to the caller: no quorum, or a plain failure with the managers' reason. */
    Exception translate(Throwable failure, Duration timeout) {
        Throwable cause = failure instanceof CompletionException || failure instanceof ExecutionException
                ? failure.getCause() : failure;
        ConsensusState now = state.get();
        if (cause instanceof NoQuorumException noQuorum) {
            return noQuorum;
        }
        if (cause instanceof RaftLeaderException || !now.hasLeader()
                || (cause instanceof IllegalStateException && String.valueOf(cause.getMessage()).contains("not the leader"))) {
            return new NoQuorumException(now.noQuorumMessage());
        }
        if (cause instanceof TimeoutException) {
            return new IOException("the managers did not commit the change within " + timeout.toSeconds() + " s (leader "
                    + now.leader() + ", " + now.reachable().size() + " of " + now.members().size() + " reachable)");
        }
        return new IOException(String.valueOf(cause.getMessage()), cause);
    }
}
