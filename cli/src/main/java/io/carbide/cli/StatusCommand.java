package io.carbide.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The fleet at a glance, as the console's summary shows it; with {@code --all}, the nodes started
 * from this installation, read from their bases by {@code bin/status.sh --all} (no API, no log-in).
 */
@Command(name = "status", description = "The fleet at a glance: members, sync, repository, artifacts. With --all: "
        + "every node started from this installation (the same listing as bin/status.sh --all, without the API).")
final class StatusCommand extends ManagerCommand {

    @Option(names = "--all", description = "List the nodes started from this installation, from their bases.")
    boolean all;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (all) {
            return localListing();
        }
        ManagementApi.Answer answer = target.read("api/fleet", "no fleet status from " + target.where().url());
        if (output.printedJson(answer)) {
            return ExitCode.OK;
        }
        JsonObject fleet = answer.object();
        int serving = 0;
        int inSync = 0;
        int managing = 0;
        List<String> notInSync = new ArrayList<>();
        for (JsonElement element : Fields.list(fleet, "members")) {
            JsonObject member = element.getAsJsonObject();
            if (Fields.flag(member, "runsArtifacts")) {
                serving++;
                if (Fields.text(member, "sync").equals("in-sync")) {
                    inSync++;
                } else {
                    notInSync.add(Fields.text(member, "name") + " " + Fields.text(member, "sync"));
                }
            }
            if (Fields.list(member, "subDomains").toString().contains("\"mgt\"")) {
                managing++;
            }
        }
        int artifacts = Fields.list(fleet, "artifacts").size();
        int everywhere = 0;
        for (JsonElement element : Fields.list(fleet, "artifacts")) {
            JsonObject artifact = element.getAsJsonObject();
            everywhere += Fields.number(artifact, "activeOn", -1) == serving ? 1 : 0;
        }
        JsonObject managers = Fields.object(fleet, "managers");
        output.line("Fleet " + Fields.text(fleet, "domain") + ", asked " + Fields.text(fleet, "node") + ": "
                + (Fields.flag(fleet, "acceptsChanges") ? "accepts changes" : "changes refused ("
                        + Fields.text(fleet, "notRecording") + ")"));
        output.line("Members     " + Fields.list(fleet, "members").size() + ": " + serving + " serving clients ("
                + inSync + " in sync" + (notInSync.isEmpty() ? "" : "; " + String.join(", ", notInSync)) + "), "
                + managing + " managing");
        output.line("Repository  revision " + Fields.number(fleet, "revision", 0) + ", kept from "
                + Fields.number(fleet, "retainedFrom", 1) + ", " + Output.size(Fields.number(fleet, "repositoryBytes", -1))
                + " on disk" + (managers.has("leader") ? "; managers' leader " + Fields.text(managers, "leader")
                        + ", term " + Fields.number(managers, "term", 0) : ""));
        output.line("Artifacts   " + artifacts + ", " + everywhere + " active on every serving node; "
                + Fields.list(fleet, "refused").size() + " refused");
        return ExitCode.OK;
    }

    private int localListing() throws IOException, InterruptedException {
        Path script = Target.home().resolve("bin/status.sh");
        if (!Files.isExecutable(script)) {
            throw CommandFailure.failed("cannot list this installation's nodes: " + script + " is missing");
        }
        List<String> command = new ArrayList<>(List.of(script.toString(), "--all"));
        if (output.json) {
            command.add("--json");
        }
        Process process = new ProcessBuilder(command).inheritIO().start();
        return process.waitFor() == 0 ? ExitCode.OK : ExitCode.FAILED;
    }
}
