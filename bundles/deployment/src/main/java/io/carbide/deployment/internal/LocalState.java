package io.carbide.deployment.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.carbide.deployment.Artifact;
import io.carbide.node.DiskRoom;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What this node has applied, in {@code data/deployment/state.json}: the repository it follows,
 * the revision it reached, and the artifacts it holds. Replaced atomically after each step, so a
 * node killed at any moment restarts from a consistent revision and re-applies from there.
 */
final class LocalState {

    /** The file's format; a later one only adds fields, which this one skips. */
    static final int FORMAT = 4;

    /**
     * The persisted form.
     *
     * @param repositoryId the lineage this node follows (empty: none yet)
     * @param term the highest term of that repository's authority seen
     * @param generation the generation of that repository followed (format 3); 0 before it was known
     * @param stamp the {@linkplain io.carbide.deployment.protocol.ReplicationProtocol#stamp stamp} of
     *     the change at {@code revision} (format 4); empty when not known
     */
    record Snapshot(int format, String repositoryId, long revision, long term, long generation, String stamp,
            List<Artifact> artifacts) {
        /** What a file leaves out (format 1 had no format or term, format 3 no stamp) reads as nothing known. */
        Snapshot {
            repositoryId = Objects.requireNonNullElse(repositoryId, "");
            stamp = Objects.requireNonNullElse(stamp, "");
        }

        static Snapshot empty() {
            return new Snapshot(FORMAT, "", 0, 0, 0, "", List.of());
        }
    }

    /** Reads any format, skipping what it does not know; writes an artifact as {@link WrittenArtifacts} says. */
    private static final Gson PLAIN = new Gson();

    private final Path file;
    private final WrittenArtifacts artifacts = new WrittenArtifacts();
    /** One artifact per line, so an operator can still read the file. */
    private final Gson writer = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .registerTypeAdapter(Artifact.class, artifacts).create();

    LocalState(Path file) {
        this.file = file;
    }

    Snapshot read() throws IOException {
        if (!Files.exists(file)) {
            return Snapshot.empty();
        }
        try {
            Snapshot snapshot = PLAIN.fromJson(Files.readString(file, StandardCharsets.UTF_8), Snapshot.class);
            if (snapshot == null) {
                // written whole or not at all (AtomicFile): empty means damaged, said like any damage
                throw new IOException(file + " is empty");
            }
            // a file that names no artifacts is not a state to start from: everything is applied again
            return snapshot.artifacts() == null ? Snapshot.empty()
                    : new Snapshot(FORMAT, snapshot.repositoryId(), snapshot.revision(), snapshot.term(),
                            snapshot.generation(), snapshot.stamp(), new ArrayList<>(snapshot.artifacts()));
        } catch (JsonParseException e) {
            throw new IOException(file + " is unreadable (" + e.getMessage() + ")", e);
        }
    }

    /** Replaces the file with {@code snapshot}. */
    void write(Snapshot snapshot) throws IOException {
        artifacts.begin();
        byte[] text = (writer.toJson(snapshot) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            io.carbide.node.AtomicFile.write(file, text);
        } catch (IOException e) {
            throw DiskRoom.explain(e, file.getParent(), text.length, file.getFileName().toString());
        }
        artifacts.written(); // what is no longer held is forgotten
    }

    /**
     * Writes each held artifact as it was written the last time, by value: the state is written
     * after every batch, and a worker holding 400 web applications spent a third of its deployment
     * thread's time in a drop turning the 399 unchanged ones into JSON again. Only the agent's
     * thread writes.
     */
    private static final class WrittenArtifacts extends TypeAdapter<Artifact> {
        private Map<Artifact, String> last = new HashMap<>();
        private Map<Artifact, String> now = new HashMap<>();

        @Override
        public void write(JsonWriter out, Artifact artifact) throws IOException {
            String json = last.get(artifact);
            if (json == null) {
                json = PLAIN.toJson(artifact);
            }
            now.put(artifact, json);
            out.jsonValue(json);
        }

        @Override
        public Artifact read(JsonReader in) {
            return PLAIN.fromJson(in, Artifact.class);
        }

        /** A write begins: nothing left from one that failed. */
        void begin() {
            now.clear();
        }

        /** The file is written: what it holds is what the next write starts from. */
        void written() {
            last = now;
            now = new HashMap<>(2 * last.size());
        }
    }
}
