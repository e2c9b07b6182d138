package io.carbide.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The repository's revisions, newest first: when, what kind, which artifact, who. */
@Command(name = "history", description = "The repository's revisions, newest first: time, kind, artifact, user.")
final class HistoryCommand extends ManagerCommand {

    @Option(names = "--name", paramLabel = "NAME", description = "Only the revisions of this artifact.")
    String name;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most N revisions (default 20).")
    int limit;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw CommandFailure.usage("--limit must be at least 1, not " + limit);
        }
        String query = "api/history?limit=" + limit + (name == null ? "" : "&name=" + ManagementApi.encode(name));
        ManagementApi.Answer answer = target.read(query, "no history from " + target.where().url());
        if (output.printedJson(answer)) {
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonElement element : Fields.list(answer.object(), "changes")) {
            JsonObject change = element.getAsJsonObject();
            String kind = Fields.text(change, "kind");
            if (kind.equals("rollback")) {
                kind = "rollback to " + Fields.number(change, "rollbackTo", 0);
            }
            rows.add(List.of(Fields.text(change, "revision"), Output.time(Fields.number(change, "at", 0)), kind,
                    Fields.text(change, "name") + (Fields.text(change, "change").equals("removed") ? " (removed)" : ""),
                    Fields.text(change, "by")));
        }
        output.table(List.of("REVISION", "TIME", "KIND", "ARTIFACT", "BY"), rows);
        long retainedFrom = Fields.number(answer.object(), "retainedFrom", 1);
        if (retainedFrom > 1) {
            output.line("(revisions before " + retainedFrom + " are no longer kept)");
        }
        return ExitCode.OK;
    }
}
