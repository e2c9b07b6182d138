package io.carbide.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Moves workers to follow this manager's repository: the explicit operator action when the fleet
 * is to follow another lineage (a manager rebuilt from scratch, a repository restored elsewhere).
 * What that repository lacks is undeployed on the nodes moved, so the whole fleet moves only when
 * asked for by name: {@code --all}.
 */
@Command(name = "adopt", description = "Move workers NODE... (or --all) to follow this manager's repository, e.g. a "
        + "manager rebuilt from scratch; what that repository lacks is undeployed on them.")
final class AdoptCommand extends ManagerCommand {

    @Parameters(paramLabel = "NODE", arity = "0..*", description = "The nodes to move (bin/carbide nodes lists them).")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--all", description = "Move every worker.")
    boolean all;

    @Override
    public Integer call() {
        if (all == !nodes.isEmpty()) {
            throw CommandFailure.usage(all ? "name the nodes to move, or --all, not both"
                    : "name the nodes to move (bin/carbide nodes lists them), or --all for every worker");
        }
        JsonObject body = new JsonObject();
        if (!all) {
            JsonArray names = new JsonArray();
            nodes.stream().distinct().forEach(names::add);
            body.add("nodes", names);
        }
        ManagementApi.Answer answer = target.api().post("api/cluster/adopt", body);
        if (answer.status() != 200) {
            throw ManagementApi.failure(answer, "no worker was moved");
        }
        List<String> told = new ArrayList<>();
        for (JsonElement name : Fields.list(answer.object(), "told")) {
            told.add(name.getAsString());
        }
        if (told.isEmpty()) {
            throw CommandFailure.failed("no worker was moved: none is in " + target.where().url() + "'s view "
                    + "(bin/carbide nodes lists the members)");
        }
        if (output.printedJson(answer)) {
            return ExitCode.OK;
        }
        output.line(told.size() + " worker(s) now follow repository " + Fields.text(answer.object(), "repositoryId")
                + " of " + Fields.text(answer.object(), "manager") + ": " + String.join(", ", told));
        output.line("What that repository lacks is undeployed there; bin/carbide nodes shows them converge.");
        return ExitCode.OK;
    }
}
