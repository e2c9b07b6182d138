package io.carbide.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** The cluster's members: sub-domains, profile, version, the revision each runs and its sync state. */
@Command(name = "nodes", description = "The cluster's members, one line each: sub-domains, profile, version, revision, sync.")
final class NodesCommand extends ManagerCommand {

    @Override
    public Integer call() {
        ManagementApi.Answer answer = target.read("api/cluster", "no cluster view from " + target.where().url());
        if (output.printedJson(answer)) {
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonElement element : Fields.list(answer.object(), "members")) {
            JsonObject member = element.getAsJsonObject();
            List<String> subDomains = new ArrayList<>();
            Fields.list(member, "subDomains").forEach(s -> subDomains.add(s.getAsString()));
            String name = Fields.text(member, "name") + (Fields.flag(member, "authority") ? " *" : "");
            long behind = Fields.number(member, "behind", 0);
            rows.add(List.of(name, String.join(",", subDomains), Fields.text(member, "profile"),
                    Fields.text(member, "version"), Fields.text(member, "revision").isEmpty() ? "-"
                            : Fields.text(member, "revision"),
                    Fields.text(member, "sync") + (behind > 0 ? " (" + behind + " behind)" : "")));
        }
        output.table(List.of("NODE", "SUB-DOMAINS", "PROFILE", "VERSION", "REVISION", "SYNC"), rows);
        output.line("(* the authority: the managers' leader)");
        for (JsonElement element : Fields.list(answer.object(), "members")) {
            JsonObject member = element.getAsJsonObject();
            for (JsonElement line : Fields.list(member, "diverged")) {
                output.line(Fields.text(member, "name") + " diverged: " + line.getAsString());
            }
            if (!Fields.text(member, "lostChanges").isEmpty()) {
                // the node's own words, which name the manager and the command
                output.line(Fields.text(member, "name") + " runs changes its managers lost: "
                        + Fields.text(member, "lostChanges"));
            }
            if ("other-lineage".equals(Fields.text(member, "sync"))) {
                // never moved on its own: say how, since that is the operator's decision to make
                output.line(Fields.text(member, "name") + " follows another repository (" + Fields.text(member,
                        "repositoryId") + "): bin/carbide adopt " + Fields.text(member, "name") + " moves it to this "
                        + "manager's, which undeploys there what this one lacks");
            }
        }
        return ExitCode.OK;
    }
}
