package io.carbide.cluster.internal;

import io.carbide.node.AtomicFile;
import io.carbide.cluster.ClusterMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Who this manager is to the others in the managers' consensus, beyond its name. Raft's safety
 * rests on a voter's log surviving: a manager whose {@code data/} was lost and that came back
 * under its old name could, with another manager that missed the last changes, elect a leader
 * without them. So each manager draws a random <em>incarnation</em> when it creates its log,
 * records it in the log itself ({@link ConsensusLog}), and a manager that starts with no log asks
 * the others first ({@value #TYPE}, over the cluster): one that knows it as a voter under another
 * incarnation makes it refuse, with the procedure that lets it back (remove it, add it).
 */
final class ManagerIdentity {

    static final String TYPE = "managers.identity";
    private static final int VERSION = 1;

    /**
     * What another manager answered.
     *
     * @param hasLog it has a managers' log on disk
     * @param joined it has joined its consensus (its log replayed), so its members and incarnations count
     */
    record Answer(String manager, boolean hasLog, boolean joined, List<String> members, String knownIncarnation) {
    }

    /** What a manager that starts without a log may do. */
    enum Verdict {
        PROCEED, WAIT, REFUSE
    }

    record Decision(Verdict verdict, String why) {
    }

    private final Path logDir;
    private final Path file;
    private final Path recovered;

    ManagerIdentity(Path dataDir) {
        this.logDir = dataDir.resolve("raft.log");
        this.file = dataDir.resolve("incarnation");
        this.recovered = dataDir.resolve("recovered");
    }

    /** True when this manager has no managers' log: a first start, or a lost {@code data/}. */
    boolean isFresh() {
        return !Files.isDirectory(logDir);
    }

    /** This incarnation's id: read, or drawn anew when the log is fresh. */
    String incarnation() throws IOException {
        if (!isFresh() && Files.isRegularFile(file)) {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        }
        String drawn = UUID.randomUUID().toString();
        AtomicFile.write(file, (drawn + "\n").getBytes(StandardCharsets.US_ASCII));
        return drawn;
    }

    /** Whether this log was started by a recovery: the option then must not set it aside again. */
    boolean startedByRecovery() {
        return Files.isRegularFile(recovered);
    }

    void markRecovered() throws IOException {
        AtomicFile.write(recovered, (Instant.now() + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * What a manager with no log may do, judging by the answers of the managers it could ask.
     * <ul>
     * <li>refuse, when a manager that has joined knows it as a voter under another incarnation;</li>
     * <li>wait, while a manager that has a log has not joined yet (it cannot vouch), or when nobody
     *     answered although other managers are expected;</li>
     * <li>proceed, when a joined manager counts it as a voter it does not know otherwise (added back),
     *     when every answer comes from a manager as new as itself (a new consensus), or when it
     *     votes alone and nobody else answered.</li>
     * </ul>
     */
    static Decision decide(String self, List<Answer> answers, boolean votesAlone, String procedure) {
        for (Answer answer : answers) {
            if (answer.joined() && answer.members().contains(self) && !answer.knownIncarnation().isEmpty()) {
                return new Decision(Verdict.REFUSE, "manager " + self + " has no managers' log (its data/ was lost or "
                        + "replaced), but " + answer.manager() + " knows it as a voting member: it must not vote again "
                        + "under its old identity, or it could help elect a leader without the latest changes. "
                        + procedure);
            }
        }
        for (Answer answer : answers) {
            if (answer.hasLog() && !answer.joined()) {
                return new Decision(Verdict.WAIT, "manager " + self + " has no managers' log yet and waits for "
                        + answer.manager() + ", which is still replaying its own, to say whether it knows it");
            }
        }
        if (answers.isEmpty() && !votesAlone) {
            return new Decision(Verdict.WAIT, "manager " + self + " has no managers' log yet and waits for another "
                    + "manager to confirm it is new (a manager that lost its log must not vote again)");
        }
        return new Decision(Verdict.PROCEED, "");
    }

    // ---- the question and the answer, over the cluster

    static ClusterMessage question(String self) {
        return message(out -> out.writeUTF(self));
    }

    /** The asking manager's name, from a question. */
    static String asker(ClusterMessage question) throws IOException {
        return open(question).readUTF();
    }

    static ClusterMessage answer(boolean hasLog, boolean joined, List<String> members, String knownIncarnation) {
        return message(out -> {
            out.writeBoolean(hasLog);
            out.writeInt(members.size());
            for (String member : members) {
                out.writeUTF(member);
            }
            out.writeUTF(knownIncarnation);
            out.writeBoolean(joined);
        });
    }

    static Answer answer(String from, ClusterMessage reply) throws IOException {
        DataInputStream in = open(reply);
        boolean hasLog = in.readBoolean();
        int count = in.readInt();
        if (count < 0 || count > 1000) {
            throw new IOException("an answer listing " + count + " managers");
        }
        List<String> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            members.add(in.readUTF());
        }
        String known = in.readUTF();
        boolean joined = in.available() > 0 && in.readBoolean();
        return new Answer(from, hasLog, joined, members, known);
    }

    private interface Fields {
        void write(DataOutputStream out) throws IOException;
    }

    private static ClusterMessage message(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            fields.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ClusterMessage(TYPE, VERSION, bytes.toByteArray());
    }

    private static DataInputStream open(ClusterMessage message) {
        return new DataInputStream(new ByteArrayInputStream(message.payload()));
    }
}
