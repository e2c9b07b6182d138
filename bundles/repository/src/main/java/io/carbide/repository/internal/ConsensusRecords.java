package io.carbide.repository.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ManagerConsensus;
import io.carbide.cluster.ManagerRecords;
import io.carbide.cluster.NoQuorumException;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The managers' {@link ManagerRecords}, kept in the revision log's state machine as RECORD
 * commands: committed by the same consensus as the artifacts, in the same snapshots, but never in
 * what a worker is sent ({@link RevisionStateMachine#changesFor} reads artifacts only).
 */
@Component(service = ManagerRecords.class)
public class ConsensusRecords implements ManagerRecords, RevisionStateMachine.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ConsensusRecords.class);

    private final RevisionStateMachine machine;
    private final CommandProposer proposer;
    private final ManagerConsensus consensus;
    private final Map<String, List<Consumer<Versioned>>> watchers = new ConcurrentHashMap<>();
    /** Watchers are told in order, off the consensus' thread, which must never wait on them. */
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "carbide-manager-records");
        thread.setDaemon(true);
        return thread;
    });

    @Activate
    public ConsensusRecords(@Reference NodeIdentity node, @Reference RevisionStateMachine machine,
            @Reference ManagerConsensus consensus, @Reference Cluster cluster) {
        this.machine = machine;
        this.proposer = new CommandProposer(consensus, cluster, node.version());
        this.consensus = consensus;
        machine.addListener(this);
    }

    @Deactivate
    void close() {
        machine.removeListener(this);
        events.shutdownNow();
    }

    @Override
    public Versioned read(String key) {
        return copy(machine.record(key));
    }

    /** Callers get their own bytes: the state machine's must never change outside a command. */
    private static Versioned copy(Versioned record) {
        return new Versioned(record.version(), record.value().clone());
    }

    @Override
    public boolean compareAndSet(String key, long expected, byte[] value) throws IOException, NoQuorumException {
        io.carbide.cluster.ConsensusState state = consensus.state();
        if (!state.isLeader() && state.commitIndex() == 0) {
            // as the consensus itself does: a manager that has applied nothing yet proposes nothing
            throw new NoQuorumException("manager " + state.self() + " is still catching up with the managers; try again "
                    + "in a few seconds");
        }
        proposer.requireReachableManagersKnow("Sharing " + key + " among the managers");
        RevisionCommands.Answer answer = proposer.propose(RevisionCommands.record(key, expected, value));
        return answer.outcome() == RevisionCommands.Outcome.RECORDED;
    }

    @Override
    public int voters() {
        return consensus.state().members().size();
    }

    @Override
    public Runnable watch(String key, Consumer<Versioned> changed) {
        watchers.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(changed);
        events.execute(() -> {
            Versioned now = machine.record(key);
            if (now.version() > 0) {
                tell(changed, key, copy(now));
            }
        });
        return () -> watchers.getOrDefault(key, List.of()).remove(changed);
    }

    @Override
    public void recordChanged(String key, Versioned record) {
        List<Consumer<Versioned>> interested = watchers.getOrDefault(key, List.of());
        if (!interested.isEmpty()) {
            Handoff.hand(events, () -> interested.forEach(watcher -> tell(watcher, key, copy(record))));
        }
    }

    @Override
    public void applied(io.carbide.deployment.Change change, io.carbide.deployment.Artifact before) {
    }

    @Override
    public void replaced() {
        Handoff.hand(events, () -> watchers.forEach((key, interested) -> {
            Versioned now = machine.record(key);
            interested.forEach(watcher -> tell(watcher, key, copy(now)));
        }));
    }

    private static void tell(Consumer<Versioned> watcher, String key, Versioned record) {
        try {
            watcher.accept(record);
        } catch (RuntimeException e) {
            LOG.warn("A watcher of manager record {} failed on version {}: {}", key, record.version(), e.toString());
        }
    }
}
