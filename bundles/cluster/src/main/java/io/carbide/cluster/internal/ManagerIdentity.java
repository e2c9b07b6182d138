package io.carbide.cluster.internal;

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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Who this manager is to the others in the managers' consensus, beyond its name. Raft's safety
 * rests on a voter's log surviving: a manager whose {@code data/} was lost and that came back
 * under its old name could, with another manager that missed the last changes, elect a leader
 * without them. So each manager draws a random <em>incarnation</em> when it creates its log,
 * records it in the log itself ({@link ConsensusLog}), and a manager that starts with no log asks
 * the others first ({@value #TYPE}, over the cluster): if one of them knows it as a member with
 * another incarnation, it is refused, with the procedure that lets it back (remove it, add it).
 */
final class ManagerIdentity {

    static final String TYPE = "managers.identity";
    private static final int VERSION = 1;

    /** What another manager answered. */
    record Answer(String manager, boolean hasLog, List<String> members, String knownIncarnation) {
    }

    private final Path logDir;
    private final Path file;

    ManagerIdentity(Path dataDir) {
        this.logDir = dataDir.resolve("raft.log");
        this.file = dataDir.resolve("incarnation");
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
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("incarnation.tmp");
        Files.writeString(temp, drawn + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return drawn;
    }

    /**
     * Why this fresh manager must not take part, judging by the others' answers; null when it may.
     * Only a manager that another one knows, as a voting member, under another incarnation is refused.
     */
    static String refusal(String self, String incarnation, List<Answer> answers, String procedure) {
        for (Answer answer : answers) {
            if (answer.hasLog() && answer.members().contains(self) && !answer.knownIncarnation().isEmpty()
                    && !answer.knownIncarnation().equals(incarnation)) {
                return "manager " + self + " has no managers' log (its data/ was lost or replaced), but "
                        + answer.manager() + " knows it as a voting member: it must not vote again under its old "
                        + "identity, or it could help elect a leader without the latest changes. " + procedure;
            }
        }
        return null;
    }

    // ---- the question and the answer, over the cluster

    static ClusterMessage question(String self, String incarnation) {
        return message(out -> {
            out.writeUTF(self);
            out.writeUTF(incarnation);
        });
    }

    /** The asking manager's name, from a question. */
    static String asker(ClusterMessage question) throws IOException {
        return open(question).readUTF();
    }

    static ClusterMessage answer(boolean hasLog, List<String> members, String knownIncarnation) {
        return message(out -> {
            out.writeBoolean(hasLog);
            out.writeInt(members.size());
            for (String member : members) {
                out.writeUTF(member);
            }
            out.writeUTF(knownIncarnation);
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
        return new Answer(from, hasLog, members, in.readUTF());
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
