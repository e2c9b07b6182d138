package io.carbide.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Brings back what a revision held, every artifact and configuration, in one step. */
@Command(name = "rollback", description = "Bring back what revision REV held (every artifact and configuration) in one "
        + "step, replicated to every node.")
final class RollbackCommand extends ManagerCommand {

    @Parameters(paramLabel = "REV", description = "The revision to go back to (bin/carbide history lists them).")
    long revision;

    @Override
    public Integer call() {
        JsonObject body = new JsonObject();
        body.addProperty("revision", revision);
        ManagementApi.Answer answer = target.api().post("api/rollback", body);
        if (answer.status() != 200) {
            throw ManagementApi.failure(answer, "no rollback");
        }
        if (output.printedJson(answer)) {
            return ExitCode.OK;
        }
        output.line(ManagementApi.inCliTerms(Fields.text(answer.object(), "message")));
        for (JsonElement element : Fields.list(answer.object(), "changes")) {
            JsonObject change = element.getAsJsonObject();
            output.line("  " + Fields.text(change, "revision") + "  " + Fields.text(change, "name") + " "
                    + (Fields.text(change, "change").equals("removed") ? "removed" : "restored"));
        }
        return ExitCode.OK;
    }
}
