package io.carbide.deployment.internal;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonWriter;
import io.carbide.deployment.Artifact;
import java.io.IOException;
import java.io.StringWriter;
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
        static Snapshot empty() {
            return new Snapshot(FORMAT, "", 0, 0, 0, "", List.of());
        }
    }

    private static final Gson GSON = new Gson();

    private final Path file;
    /**
     * Each held artifact as written the last time, by value: the state is written after every
     * batch, and a worker holding 400 web applications spent a third of its deployment thread's
     * time in a drop turning the 399 unchanged ones into JSON again. Only the agent's thread
     * writes.
     */
    private Map<Artifact, String> written = new HashMap<>();

    LocalState(Path file) {
        this.file = file;
    }

    Snapshot read() throws IOException {
        if (!Files.exists(file)) {
            return Snapshot.empty();
        }
        try {
            Snapshot snapshot = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Snapshot.class);
            // Gson leaves out what the file lacks (format 1 had no format or term) and skips what it does not know
            return snapshot == null || snapshot.artifacts() == null ? Snapshot.empty()
                    : new Snapshot(FORMAT, snapshot.repositoryId() == null ? "" : snapshot.repositoryId(),
                            snapshot.revision(), snapshot.term(), snapshot.generation(),
                            snapshot.stamp() == null ? "" : snapshot.stamp(), new ArrayList<>(snapshot.artifacts()));
        } catch (JsonParseException e) {
            throw new IOException(file + " is unreadable (" + e.getMessage() + ")", e);
        }
    }

    /** Replaces the file with {@code snapshot}: one artifact per line, so an operator can still read it. */
    void write(Snapshot snapshot) throws IOException {
        StringWriter text = new StringWriter(256 + 200 * snapshot.artifacts().size());
        JsonWriter json = new JsonWriter(text);
        json.setIndent("  ");
        json.beginObject();
        json.name("format").value(snapshot.format());
        json.name("repositoryId").value(Objects.requireNonNullElse(snapshot.repositoryId(), ""));
        json.name("revision").value(snapshot.revision());
        json.name("term").value(snapshot.term());
        json.name("generation").value(snapshot.generation());
        json.name("stamp").value(Objects.requireNonNullElse(snapshot.stamp(), ""));
        json.name("artifacts").beginArray();
        Map<Artifact, String> now = new HashMap<>(2 * snapshot.artifacts().size());
        for (Artifact artifact : snapshot.artifacts()) {
            String line = written.get(artifact);
            if (line == null) {
                line = GSON.toJson(artifact);
            }
            now.put(artifact, line);
            json.jsonValue(line);
        }
        json.endArray();
        json.endObject();
        json.flush();
        io.carbide.node.AtomicFile.write(file, (text + "\n").getBytes(StandardCharsets.UTF_8));
        written = now; // what is no longer held is forgotten
    }
}
