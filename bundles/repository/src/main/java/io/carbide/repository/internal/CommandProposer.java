package io.carbide.repository.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ConsensusState;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.NoQuorumException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Proposes revision commands to the managers' consensus and waits for them to be committed and
 * applied, turning every way that can fail into a refusal that says why. Also the rule for
 * commands an earlier version cannot read: committed, they would stop a manager of that version
 * (docs/design.md), so they are proposed only while every voting manager runs this version or a
 * later one.
 */
final class CommandProposer {

    static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);

    private final ManagerConsensus consensus;
    private final Cluster cluster;
    private final String version;

    CommandProposer(ManagerConsensus consensus, Cluster cluster, String version) {
        this.consensus = consensus;
        this.cluster = cluster;
        this.version = version;
    }

    RevisionCommands.Answer propose(byte[] command) throws IOException, NoQuorumException {
        return await(proposeAsync(command).thenApply(CommandProposer::decoded), "the change");
    }

    /**
     * Proposes without waiting: the managers' answer as it comes off the log, once the change is
     * committed and applied, for {@link #decoded} on whatever thread takes it up; or a failure that
     * {@link #await} and {@link #unwrapAny} turn into a refusal. Proposals sent one after another
     * without waiting are committed together: the leader appends what queued up in one write to its
     * log.
     */
    CompletableFuture<byte[]> proposeAsync(byte[] command) {
        return consensus.propose(command, COMMIT_TIMEOUT).toCompletableFuture();
    }

    /** An answer from {@link #proposeAsync}, read; a garbled one fails the stage it is read in. */
    static RevisionCommands.Answer decoded(byte[] answer) {
        try {
            return RevisionCommands.answer(answer);
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * Waits for a proposed change ({@code what}, for the message) to be committed and applied, a
     * little longer than the managers give it, turning each way that can fail into no majority or
     * a plain failure that says why.
     */
    static <T> T await(CompletableFuture<T> change, String what) throws IOException, NoQuorumException {
        try {
            return change.get(COMMIT_TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Exception cause = unwrapAny(e);
            if (cause instanceof NoQuorumException noQuorum) {
                throw noQuorum;
            }
            throw (IOException) cause;
        } catch (TimeoutException e) {
            throw new IOException("the managers did not commit " + what + " within " + COMMIT_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the managers committed " + what, e);
        }
    }

    /** What a failed proposal means to the caller: no majority, or a plain failure with the managers' reason. */
    static Exception unwrapAny(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof NoQuorumException || cause instanceof IOException) {
            return (Exception) cause;
        }
        return new IOException(cause.getMessage(), cause);
    }

    /** Refuses {@code what} unless every voting manager is in the view and runs this version or a later one. */
    void requireEveryManagerKnows(String what) throws NoQuorumException {
        requireManagersKnow(what, false);
    }

    /**
     * Refuses {@code what} without a majority (saying so), or while a manager in the view runs an
     * earlier version; a manager out of the view is taken to follow the upgrade rule (docs/design.md),
     * so one manager down does not hold back what a majority may commit.
     */
    void requireReachableManagersKnow(String what) throws NoQuorumException {
        ConsensusState state = consensus.state();
        if (state.reachable().size() < state.majority()) {
            throw new NoQuorumException(state.noQuorumMessage());
        }
        requireManagersKnow(what, true);
    }

    private void requireManagersKnow(String what, boolean absentMayBe) throws NoQuorumException {
        for (String manager : consensus.state().members()) {
            Optional<ClusterMember> member = cluster.view().member(manager);
            if (member.isEmpty() && absentMayBe) {
                continue;
            }
            if (member.isEmpty() || !atLeast(member.get().version(), version)) {
                throw new NoQuorumException(what + " waits until every manager runs version " + version
                        + " or later: " + manager + (member.isEmpty() ? " is not in the cluster view"
                                : " runs " + member.get().version()) + "; upgrade it first");
            }
        }
    }

    /** Whether version {@code theirs} is {@code ours} or later, comparing dotted numbers ("0.10.0" after "0.9.2"). */
    static boolean atLeast(String theirs, String ours) {
        String[] a = theirs.split("[.-]");
        String[] b = ours.split("[.-]");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            long x = i < a.length && a[i].matches("\\d{1,18}") ? Long.parseLong(a[i]) : 0;
            long y = i < b.length && b[i].matches("\\d{1,18}") ? Long.parseLong(b[i]) : 0;
            if (x != y) {
                return x > y;
            }
        }
        return true;
    }
}
