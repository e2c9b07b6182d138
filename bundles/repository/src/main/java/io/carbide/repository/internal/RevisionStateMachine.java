package io.carbide.repository.internal;

import io.carbide.cluster.ManagerRecords;
import io.carbide.cluster.ReplicatedStateMachine;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.Change;
import io.carbide.deployment.Rollout;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import io.carbide.deployment.protocol.ReplicationProtocol;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import io.carbide.node.NodeLifecycle;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revision log as the managers' consensus applies it: the repository's id, and every change
 * (name, type, sha-256, size, kind, who, when) with the revision it got. Deterministic: a revision
 * is the previous one plus one, storing the content an artifact already has records nothing, and
 * removing what is not there records nothing; nothing here reads a clock, a file or the network.
 * What surrounds a change (its bytes, validation, announcements, the deploy folder) happens
 * before a command is proposed or, through {@link Listener}s, after it is applied.
 *
 * <p>The first command of a repository is {@code INIT} (a new id) or {@code RESTORE} (an id and
 * history carried over from a manager of an earlier version, or from a survivor in a recovery);
 * later ones are ignored, so two managers proposing one at once cannot split the lineage.
 *
 * <p>A committed command this version cannot read stops the manager rather than being skipped:
 * skipping it would leave this manager's revisions behind the others' for good. A later version
 * may only propose a new kind of command once every manager runs it (docs/design.md).
 */
@Component(service = {ReplicatedStateMachine.class, RevisionStateMachine.class})
public class RevisionStateMachine implements ReplicatedStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(RevisionStateMachine.class);
    /**
     * Format 2 adds the generation (format 1 reads as generation 1); format 3 the revision history
     * is kept from and which changes are parts of rollbacks; format 4 the staged rollout; format 5
     * the manager-only records (the rollout then written as present or not).
     */
    private static final int SNAPSHOT_FORMAT = 5;

    /** Told of every change applied, on the consensus' thread: keep it short, hand work off. */
    interface Listener {
        /** @param before the artifact's record before this change, or null */
        void applied(Change change, Artifact before);

        /** The whole state was replaced (a new lineage, or a snapshot from the leader). */
        void replaced();

        /** History before {@code retainedFrom} was dropped: content only it referred to may go. */
        default void compacted(long retainedFrom) {
        }

        /** A staged rollout started, moved or ended: which nodes may have which revision changed. */
        default void rolloutChanged(Rollout rollout) {
        }

        /** A manager-only record was written. */
        default void recordChanged(String key, ManagerRecords.Versioned record) {
        }
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Consumer<String> halt;
    private String repositoryId = "";
    private long generation;
    private long createdAt;
    private long revision;
    /** The oldest revision whose state the history still holds: what a rollback can reach. */
    private long retainedFrom = 1;
    private final List<Change> history = new ArrayList<>();
    private final Map<String, Artifact> latest = new LinkedHashMap<>();
    /** The staged rollout in progress, or the last one; null when there never was one. */
    private Rollout rollout;
    /** The manager-only records ({@link ManagerRecords}): never part of what a worker is sent. */
    private final Map<String, ManagerRecords.Versioned> records = new java.util.TreeMap<>();

    @Activate
    public RevisionStateMachine(@Reference NodeLifecycle lifecycle) {
        this(lifecycle::stopForFailure);
    }

    /** @param halt stops this manager with a one-line reason */
    RevisionStateMachine(Consumer<String> halt) {
        this.halt = halt;
    }

    void addListener(Listener listener) {
        listeners.add(listener);
    }

    void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    @Override
    public byte[] apply(byte[] bytes) throws IOException {
        RevisionCommands.Command command;
        try {
            command = RevisionCommands.decode(bytes);
        } catch (IOException unreadable) {
            halt.accept("The managers committed a revision command this manager cannot read ("
                    + unreadable.getMessage() + "); upgrade this manager to the version the other managers run");
            throw unreadable;
        }
        try {
            return switch (command.kind()) {
                case INIT, RESTORE -> begin(command);
                case PUT -> put(command);
                case DELETE -> delete(command);
                case ROLLBACK -> rollback(command);
                case COMPACT -> compact(command.revision());
                case ROLLOUT -> rolloutStep(command.rollout());
                case RECORD -> writeRecord(command.name(), command.revision(), command.value());
            };
        } finally {
            wakeWaiters(); // a command that failed part way may still have changed what a waiter waits for
        }
    }

    private synchronized void wakeWaiters() {
        notifyAll();
    }

    /** Writes a manager-only record if it is still at the version the writer read; IGNORED otherwise. */
    private byte[] writeRecord(String key, long expected, byte[] value) {
        ManagerRecords.Versioned written;
        synchronized (this) {
            ManagerRecords.Versioned now = records.getOrDefault(key, ManagerRecords.Versioned.NONE);
            if (now.version() != expected) {
                return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
            }
            written = new ManagerRecords.Versioned(expected + 1, value);
            records.put(key, written);
        }
        for (Listener listener : listeners) {
            try {
                listener.recordChanged(key, written);
            } catch (RuntimeException e) {
                LOG.warn("A listener of the revision log failed on manager record {}: {}", key, e.toString());
            }
        }
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, null);
    }

    /** A manager-only record as applied here; version 0 when never written. */
    synchronized ManagerRecords.Versioned record(String key) {
        return records.getOrDefault(key, ManagerRecords.Versioned.NONE);
    }

    private byte[] begin(RevisionCommands.Command command) {
        synchronized (this) {
            if (!repositoryId.isEmpty()) {
                return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
            }
            repositoryId = command.repositoryId();
            generation = Math.max(1, command.generation());
            retainedFrom = Math.max(1, command.revision());
            createdAt = command.createdAt();
            for (Change change : command.history()) {
                record(change);
            }
        }
        LOG.info("The managers' repository is {}: {} at revision {}, generation {}", repositoryId,
                command.kind() == RevisionCommands.Kind.INIT ? "new" : "carried over", revision, generation);
        notifyReplaced();
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, null);
    }

    private byte[] put(RevisionCommands.Command command) {
        Change change;
        Artifact before;
        synchronized (this) {
            before = latest.get(command.name());
            if (before != null && !before.deleted() && before.sha256().equals(command.sha256())) {
                return RevisionCommands.answer(RevisionCommands.Outcome.UNCHANGED, before);
            }
            if (rolloutActive()) {
                return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
            }
            change = new Change(new Artifact(command.name(), command.type(), revision + 1, command.sha256(), command.size(),
                    false), command.by(), command.at());
            record(change);
        }
        notifyApplied(change, before);
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, change.artifact());
    }

    private byte[] delete(RevisionCommands.Command command) {
        Change change;
        Artifact before;
        synchronized (this) {
            before = latest.get(command.name());
            if (before == null || before.deleted()) {
                return RevisionCommands.answer(RevisionCommands.Outcome.ABSENT, null);
            }
            if (rolloutActive()) {
                return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
            }
            change = new Change(new Artifact(command.name(), before.type(), revision + 1, "", 0, true), command.by(),
                    command.at());
            record(change);
        }
        notifyApplied(change, before);
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, change.artifact());
    }

    /**
     * Brings back the state of the target revision: for every artifact whose record then differs
     * from its record now, one change, all recorded here at once at consecutive revisions, so no
     * node ever sees part of a rollback. The state at a revision is, for each name, the last change
     * at or before it; a name with none did not exist then.
     */
    private byte[] rollback(RevisionCommands.Command command) {
        synchronized (this) {
            if (rolloutActive()) {
                return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null); // abort the rollout instead
            }
        }
        return rollbackTo(command.revision(), command.by(), command.at());
    }

    private byte[] rollbackTo(long target, String by, long at) {
        List<Change> changes;
        List<Artifact> befores = new ArrayList<>();
        synchronized (this) {
            if (target < 1 || target > revision) {
                return RevisionCommands.answer(RevisionCommands.Outcome.ABSENT, null);
            }
            if (target < retainedFrom) {
                return RevisionCommands.answer(RevisionCommands.Outcome.GONE, null);
            }
            changes = recordRollback(target, by, at, befores);
        }
        return rolledBack(target, by, changes, befores);
    }

    /**
     * Records, holding the lock, one change for every artifact whose record differs from what it was
     * at {@code target} (0: before the first revision, when nothing existed), at consecutive
     * revisions; {@code befores} gets each artifact's record before its change.
     */
    private List<Change> recordRollback(long target, String by, long at, List<Artifact> befores) {
        List<Change> changes = new ArrayList<>();
        Map<String, Artifact> then = stateAt(target);
        List<String> names = new ArrayList<>(latest.keySet());
        names.sort(null);
        for (String name : names) {
            Artifact now = latest.get(name);
            Artifact wanted = then.get(name);
            boolean presentThen = wanted != null && !wanted.deleted();
            if (presentThen && (now.deleted() || !now.sha256().equals(wanted.sha256()))) {
                changes.add(new Change(new Artifact(name, wanted.type(), revision + changes.size() + 1,
                        wanted.sha256(), wanted.size(), false), by, at, target));
                befores.add(now);
            } else if (!presentThen && !now.deleted()) {
                changes.add(new Change(new Artifact(name, now.type(), revision + changes.size() + 1, "", 0, true),
                        by, at, target));
                befores.add(now);
            }
        }
        changes.forEach(this::record);
        return changes;
    }

    /** Tells the listeners of a recorded rollback (outside the lock) and answers it. */
    private byte[] rolledBack(long target, String by, List<Change> changes, List<Artifact> befores) {
        for (int i = 0; i < changes.size(); i++) {
            notifyApplied(changes.get(i), befores.get(i));
        }
        if (changes.isEmpty()) {
            return RevisionCommands.answer(RevisionCommands.Outcome.UNCHANGED, null);
        }
        LOG.info("Rolled back to revision {}: {} changes, revisions {} to {}, by {}", target, changes.size(),
                changes.get(0).artifact().revision(), changes.get(changes.size() - 1).artifact().revision(), by);
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, changes.get(changes.size() - 1).artifact());
    }

    // ---- staged rollouts

    private boolean rolloutActive() {
        return rollout != null && rollout.active();
    }

    /**
     * A step of a staged rollout. START records the change and the rollout together; every other
     * step applies only to the rollout it names (by its change's revision) and only from the state
     * it expects, so a step proposed twice, or after the rollout moved on, changes nothing.
     */
    private byte[] rolloutStep(RolloutCommands.Step step) {
        if (step.kind() == RolloutCommands.Kind.START) {
            return startRollout(step);
        }
        Rollout changed;
        List<Change> rollback = List.of();
        List<Artifact> befores = new ArrayList<>();
        synchronized (this) {
            Rollout current = rollout;
            if (current == null || current.toRevision() != step.toRevision() || !current.active()) {
                return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
            }
            Rollout.State state = current.state();
            int admitted = current.admitted();
            String reason = current.reason();
            switch (step.kind()) {
                case ADVANCE -> {
                    if (state != Rollout.State.RUNNING || step.admitted() != admitted + 1) {
                        return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
                    }
                    admitted = step.admitted();
                    if (admitted > current.waves().size()) {
                        admitted = current.waves().size();
                        state = Rollout.State.COMPLETED;
                    }
                }
                case PAUSE -> {
                    if (state != Rollout.State.RUNNING) {
                        return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
                    }
                    state = Rollout.State.PAUSED;
                    reason = "paused by " + step.by();
                }
                case RESUME -> {
                    if (state != Rollout.State.PAUSED) {
                        return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
                    }
                    state = Rollout.State.RUNNING;
                    reason = "";
                }
                case HALT -> {
                    state = step.aborted() ? Rollout.State.ABORTED : Rollout.State.HALTED;
                    reason = step.reason();
                    // back to what the rollout started from (0 when the repository was empty), recorded
                    // together with the end of the rollout: no reader ever sees it ended but not rolled back
                    rollback = recordRollback(current.fromRevision(), step.by(), step.at(), befores);
                }
                default -> {
                    return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
                }
            }
            changed = new Rollout(current.artifact(), current.fromRevision(), current.toRevision(), current.waves(),
                    admitted, state, current.settleSeconds(), current.maxErrorRate(), reason, current.by(),
                    current.startedAt(), step.at());
            rollout = changed;
        }
        if (!rollback.isEmpty()) {
            rolledBack(changed.fromRevision(), step.by(), rollback, befores);
        }
        LOG.info("Staged rollout of {} (revision {}): {}{}", changed.artifact(), changed.toRevision(),
                changed.state().label(), changed.state() == Rollout.State.RUNNING || changed.state() == Rollout.State.COMPLETED
                        ? ", wave " + changed.currentWave() + " of " + changed.waves().size()
                        : changed.reason().isEmpty() ? "" : ": " + changed.reason());
        notifyRollout(changed);
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, null);
    }

    private byte[] startRollout(RolloutCommands.Step step) {
        Change change;
        Artifact before;
        Rollout started;
        synchronized (this) {
            before = latest.get(step.name());
            if (before != null && !before.deleted() && before.sha256().equals(step.sha256())) {
                return RevisionCommands.answer(RevisionCommands.Outcome.UNCHANGED, before);
            }
            if (rolloutActive()) {
                return RevisionCommands.answer(RevisionCommands.Outcome.IGNORED, null);
            }
            change = new Change(new Artifact(step.name(), step.type(), revision + 1, step.sha256(), step.size(), false),
                    step.by(), step.at());
            started = new Rollout(step.name(), revision, revision + 1, step.waves(), 1, step.waves().isEmpty()
                    ? Rollout.State.COMPLETED : Rollout.State.RUNNING, step.settleSeconds(), step.maxErrorRate(), "",
                    step.by(), step.at(), step.at());
            rollout = started; // before the change is recorded: no reader sees the change ungated
            record(change);
        }
        // the rollout first: a listener that keeps a record on disk (revisions.log) marks it before the change
        notifyRollout(started);
        notifyApplied(change, before);
        LOG.info("Staged rollout of {} started at revision {} by {}: waves {}", step.name(), change.artifact().revision(),
                step.by(), step.waves());
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, change.artifact());
    }

    private void notifyRollout(Rollout changed) {
        for (Listener listener : listeners) {
            try {
                listener.rolloutChanged(changed);
            } catch (RuntimeException e) {
                LOG.warn("A listener of the revision log failed on a rollout step: {}", e.toString());
            }
        }
    }

    /** The rollout in progress, or the last one. */
    synchronized Optional<Rollout> rollout() {
        return Optional.ofNullable(rollout);
    }

    /**
     * What {@code node}, at revision {@code since} of repository {@code asked}, lacks: the latest
     * record of every name changed since (tombstones included), or the whole state for a node of
     * another repository or ahead of what it may have. During a staged rollout that has not
     * admitted the node, all of it as of the revision the rollout started from. Read together with
     * the rollout, under one lock, so no change ever slips past its gate.
     */
    ReplicationProtocol.Changes changesFor(String node, String asked, long since, long term) {
        return changesFor(node, asked, since, "", term);
    }

    /**
     * As {@link #changesFor(String, String, long, long)}, for a node whose change at {@code since}
     * had {@code stamp}: when this history holds another change at that revision, the two parted
     * there (these managers lost changes the node applied, and recorded others since), and the node
     * gets the full state. Every answer carries the stamp of the revision it brings the node to.
     */
    synchronized ReplicationProtocol.Changes changesFor(String node, String asked, long since, String stamp,
            long term) {
        long ceiling = rollout == null ? revision : rollout.ceilingFor(node, revision);
        Collection<Artifact> state = ceiling == revision ? latest.values() : stateAt(ceiling).values();
        String ceilingStamp = changeAt(ceiling).map(ReplicationProtocol::stamp).orElse("");
        boolean parted = !stamp.isEmpty() && changeAt(since)
                .map(here -> ReplicationProtocol.stampsDiffer(stamp, ReplicationProtocol.stamp(here))).orElse(false);
        if (repositoryId.equals(asked) && since <= ceiling && !parted) {
            return new ReplicationProtocol.Changes(repositoryId, ceiling, false, state.stream()
                    .filter(a -> a.revision() > since).sorted(Comparator.comparingLong(Artifact::revision)).toList(),
                    term, generation).withStamp(ceilingStamp);
        }
        return new ReplicationProtocol.Changes(repositoryId, ceiling, true, state.stream().filter(a -> !a.deleted())
                .sorted(Comparator.comparing(Artifact::name)).toList(), term, generation).withStamp(ceilingStamp);
    }

    /**
     * The change recorded at {@code target}, while the history holds it: the history is in revision
     * order, one change per revision, and a compaction drops only changes a later one replaced.
     */
    private Optional<Change> changeAt(long target) {
        int low = 0;
        int high = history.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            long at = history.get(middle).artifact().revision();
            if (at == target) {
                return Optional.of(history.get(middle));
            }
            if (at < target) {
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return Optional.empty();
    }

    /** Each name's last record at or before {@code target} (tombstones included). */
    synchronized Map<String, Artifact> stateAt(long target) {
        Map<String, Artifact> state = new LinkedHashMap<>();
        for (Change change : history) {
            if (change.artifact().revision() <= target) {
                state.put(change.artifact().name(), change.artifact());
            }
        }
        return state;
    }

    /**
     * Forgets the history a rollback to {@code retainFrom} or later never needs: every change
     * before it that a later change at or before it replaced. What each name was at every retained
     * revision stays computable, the latest record of every name (tombstones too, so a node far
     * behind still learns of removals) stays, and the revision numbers do not move.
     */
    private byte[] compact(long proposed) {
        int dropped;
        long retainFrom;
        synchronized (this) {
            // a halt rolls back to where the rollout started: never past it, whatever was proposed
            retainFrom = rolloutActive() ? Math.min(proposed, rollout.fromRevision()) : proposed;
            if (retainFrom <= retainedFrom || retainFrom > revision) {
                return RevisionCommands.answer(RevisionCommands.Outcome.UNCHANGED, null);
            }
            Map<String, Long> lastAtOrBefore = new java.util.HashMap<>();
            for (Change change : history) {
                if (change.artifact().revision() <= retainFrom) {
                    lastAtOrBefore.put(change.artifact().name(), change.artifact().revision());
                }
            }
            int before = history.size();
            history.removeIf(change -> change.artifact().revision() < retainFrom
                    && lastAtOrBefore.get(change.artifact().name()) > change.artifact().revision());
            dropped = before - history.size();
            retainedFrom = retainFrom;
        }
        LOG.info("Repository history kept from revision {} on: {} older changes dropped", retainFrom, dropped);
        for (Listener listener : listeners) {
            try {
                listener.compacted(retainFrom);
            } catch (RuntimeException e) {
                LOG.warn("A listener of the revision log failed after a compaction: {}", e.toString());
            }
        }
        return RevisionCommands.answer(RevisionCommands.Outcome.RECORDED, null);
    }

    private void record(Change change) {
        history.add(change);
        latest.put(change.artifact().name(), change.artifact());
        revision = Math.max(revision, change.artifact().revision());
    }

    /** As every notification: a listener that fails (its component stopping) neither stops the others nor the apply. */
    private void notifyReplaced() {
        for (Listener listener : listeners) {
            try {
                listener.replaced();
            } catch (RuntimeException e) {
                LOG.warn("A listener of the revision log failed after the whole state was replaced: {}", e.toString());
            }
        }
    }

    private void notifyApplied(Change change, Artifact before) {
        for (Listener listener : listeners) {
            try {
                listener.applied(change, before);
            } catch (RuntimeException e) {
                LOG.warn("A listener of the revision log failed on revision {}: {}", change.artifact().revision(),
                        e.toString());
            }
        }
    }

    // ---- snapshots: the whole log, so a manager far behind (or new) gets everything at once

    @Override
    public void writeSnapshot(DataOutput out) throws IOException {
        synchronized (this) {
            // format 2 while it says everything: a manager of the version before reads it during an upgrade
            // an ended rollout changes nothing any later command does, so only an active one is kept:
            // without one, format 3, which the version before this one reads
            // likewise format 5 only once a manager-only record exists
            Rollout kept = rolloutActive() ? rollout : null;
            int format = !records.isEmpty() ? 5 : kept != null ? 4
                    : retainedFrom == 1 && history.stream().allMatch(change -> change.rollbackTo() == 0) ? 2 : 3;
            out.writeByte(format);
            out.writeUTF(repositoryId);
            out.writeLong(createdAt);
            RevisionCommands.writeChanges(out, history);
            out.writeLong(generation);
            if (format >= 3) {
                out.writeLong(retainedFrom);
                RevisionCommands.writeRollbacks(out, history);
            }
            if (format == 5) {
                out.writeBoolean(kept != null);
            }
            if (kept != null) {
                RolloutCommands.writeRollout(out, kept);
            }
            if (format == 5) {
                out.writeInt(records.size());
                for (Map.Entry<String, ManagerRecords.Versioned> record : records.entrySet()) {
                    out.writeUTF(record.getKey());
                    out.writeLong(record.getValue().version());
                    RevisionCommands.writeBytes(out, record.getValue().value());
                }
            }
        }
    }

    @Override
    public void readSnapshot(DataInput in) throws IOException {
        int format = in.readUnsignedByte();
        if (format < 1 || format > SNAPSHOT_FORMAT) {
            throw new IOException("repository snapshot format " + format + " is not known to this version; upgrade it");
        }
        String id = in.readUTF();
        long created = in.readLong();
        List<Change> changes = RevisionCommands.readChanges(in);
        long gen = format >= 2 ? in.readLong() : 1;
        long keptFrom = 1;
        if (format >= 3) {
            keptFrom = in.readLong();
            changes = RevisionCommands.readRollbacks(in, changes);
        }
        Rollout staged = format == 4 || format >= 5 && in.readBoolean() ? RolloutCommands.readRollout(in) : null;
        Map<String, ManagerRecords.Versioned> kept = new java.util.TreeMap<>();
        if (format >= 5) {
            int count = in.readInt();
            if (count < 0 || count > 10_000) {
                throw new IOException("a repository snapshot with " + count + " manager records");
            }
            for (int i = 0; i < count; i++) {
                String key = in.readUTF();
                kept.put(key, new ManagerRecords.Versioned(in.readLong(), RevisionCommands.readBytes(in)));
            }
        }
        synchronized (this) {
            records.clear();
            records.putAll(kept);
            repositoryId = id;
            generation = gen;
            retainedFrom = keptFrom;
            createdAt = created;
            rollout = staged;
            revision = 0;
            history.clear();
            latest.clear();
            changes.forEach(this::record);
        }
        notifyReplaced();
        wakeWaiters();
    }

    // ---- reading

    synchronized String repositoryId() {
        return repositoryId;
    }

    synchronized long revision() {
        return revision;
    }

    /**
     * Waits until {@code applied} holds for this manager's state, checked after each command
     * applied: a follower hears that a change was committed before it applies it, and an upload
     * or a rollout step answers with what this manager then holds.
     *
     * @return false if {@code timeout} passed first
     */
    synchronized boolean await(BooleanSupplier applied, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!applied.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    synchronized long generation() {
        return generation;
    }

    synchronized long retainedFrom() {
        return retainedFrom;
    }

    /**
     * The revision the history may be kept from under a retention policy: the last
     * {@code keepRevisions} revisions, and every revision made at or after {@code keepSince}
     * (epoch ms), stay reachable; so does the revision the repository holds now.
     */
    synchronized long retentionPoint(long keepRevisions, long keepSince) {
        long point = Math.max(1, revision - Math.max(1, keepRevisions) + 1);
        for (Change change : history) {
            if (change.artifact().revision() >= retainedFrom && change.at() >= keepSince) {
                point = Math.min(point, change.artifact().revision());
                break;
            }
        }
        if (rolloutActive()) {
            point = Math.min(point, rollout.fromRevision()); // a halt rolls back to it
        }
        return Math.max(point, retainedFrom);
    }

    /** Whether any kept change (so any revision a rollback can reach, and the current state) has this content. */
    synchronized boolean refersTo(String sha256) {
        for (Change change : history) {
            if (!change.artifact().deleted() && change.artifact().sha256().equals(sha256)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every content the kept history refers to, one record each: what a manager holds so that any
     * revision a rollback can reach is served from it.
     */
    synchronized List<Artifact> retainedContent() {
        Map<String, Artifact> bySha = new LinkedHashMap<>();
        for (Change change : history) {
            if (!change.artifact().deleted()) {
                bySha.put(change.artifact().sha256(), change.artifact());
            }
        }
        return List.copyOf(bySha.values());
    }

    /** Everything a backup holds, read together under one lock: a consistent cut of the repository. */
    record BackupView(String repositoryId, long generation, long revision, long retainedFrom, List<Change> history,
            List<Artifact> content, Map<String, ManagerRecords.Versioned> records, boolean rolloutActive) {
    }

    /** @param pin told the content's sha-256s under the same lock, so no compaction can drop one before it is pinned */
    synchronized BackupView backupView(Consumer<List<String>> pin) {
        List<Artifact> content = retainedContent();
        pin.accept(content.stream().map(Artifact::sha256).toList());
        return new BackupView(repositoryId, generation, revision, retainedFrom, List.copyOf(history), content,
                Map.copyOf(records), rolloutActive());
    }

    /** The kept history and the revision it is kept from, read together. */
    record Retained(long retainedFrom, List<Change> history) {
    }

    synchronized Retained retained() {
        return new Retained(retainedFrom, List.copyOf(history));
    }

    synchronized List<Artifact> artifacts() {
        return latest.values().stream().filter(a -> !a.deleted()).sorted(Comparator.comparing(Artifact::name)).toList();
    }

    synchronized Optional<Artifact> latest(String name) {
        return Optional.ofNullable(latest.get(name));
    }

    synchronized List<Artifact> changesSince(long since) {
        return latest.values().stream().filter(a -> a.revision() > since)
                .sorted(Comparator.comparingLong(Artifact::revision)).toList();
    }

    synchronized List<Change> history(Optional<String> name) {
        return history.stream().filter(c -> name.map(n -> n.equals(c.artifact().name())).orElse(true)).toList();
    }
}
