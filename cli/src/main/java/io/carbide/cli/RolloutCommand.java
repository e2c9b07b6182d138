package io.carbide.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** The staged rollout: where it stands, wave by wave, and the operator's pause, resume and abort. */
@Command(name = "rollout", description = "Show or steer the staged rollout (started by deploy --canary/--waves).",
        subcommands = {RolloutCommand.Status.class, RolloutCommand.Pause.class, RolloutCommand.Resume.class,
                RolloutCommand.Abort.class})
final class RolloutCommand {

    @Command(name = "status", description = "The rollout in progress (or the last one), wave by wave.")
    static final class Status extends ManagerCommand {
        @Override
        public Integer call() {
            ManagementApi.Answer answer = target.read("api/rollout", "no rollout status");
            if (!output.printedJson(answer)) {
                print(output, answer.object());
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "pause", description = "Keep the rollout at its current wave (it still halts on failure).")
    static final class Pause extends Step {
        Pause() {
            super("pause");
        }
    }

    @Command(name = "resume", description = "Let a paused rollout go on.")
    static final class Resume extends Step {
        Resume() {
            super("resume");
        }
    }

    @Command(name = "abort", description = "End the rollout and roll back the workers that have the change.")
    static final class Abort extends Step {
        Abort() {
            super("abort");
        }
    }

    /** One of pause, resume and abort: a POST that answers the rollout as it stands after it. */
    abstract static class Step extends ManagerCommand {
        private final String action;

        Step(String action) {
            this.action = action;
        }

        @Override
        public Integer call() {
            ManagementApi.Answer answer = target.api().post("api/rollout/" + action, new JsonObject());
            if (answer.status() != 200) {
                throw ManagementApi.failure(answer, "the rollout was not " + (action.equals("abort") ? "aborted"
                        : action + "d"));
            }
            if (!output.printedJson(answer)) {
                print(output, answer.object());
            }
            return ExitCode.OK;
        }
    }

    /** One line for the rollout, then a table of its nodes by wave. */
    static void print(Output output, JsonObject body) {
        if (!body.has("rollout") || body.get("rollout").isJsonNull()) {
            output.line("No staged rollout yet: bin/carbide deploy FILE --canary 1 --waves 50%,100% starts one.");
            return;
        }
        JsonObject rollout = body.getAsJsonObject("rollout");
        String reason = Fields.text(rollout, "reason");
        output.line(Fields.text(rollout, "artifact") + " (revision " + Fields.number(rollout, "toRevision", 0) + "): "
                + Fields.text(rollout, "state") + ", wave " + Fields.number(rollout, "wave", 0) + " of "
                + Fields.number(rollout, "waveCount", 0) + (reason.isEmpty() ? "" : " - " + reason));
        List<List<String>> rows = new ArrayList<>();
        for (JsonElement waveElement : Fields.list(rollout, "waves")) {
            JsonObject wave = waveElement.getAsJsonObject();
            for (JsonElement nodeElement : Fields.list(wave, "nodes")) {
                JsonObject node = nodeElement.getAsJsonObject();
                rows.add(List.of(String.valueOf(Fields.number(wave, "wave", 0)), Fields.text(node, "node"),
                        Fields.text(node, "state"), Fields.text(node, "revision"), Fields.text(node, "reason")));
            }
        }
        output.table(List.of("WAVE", "NODE", "STATE", "REVISION", "REASON"), rows);
    }
}
