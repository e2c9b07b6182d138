package io.carbide.cli;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Configurations (PID.cfg artifacts): read one, or change some of its properties. */
@Command(name = "config", description = "Read or change a configuration (stored and replicated as PID.cfg).",
        subcommands = {ConfigCommand.Get.class, ConfigCommand.Set.class})
final class ConfigCommand {

    @Command(name = "get", description = "The properties of configuration PID.")
    static final class Get extends ManagerCommand {

        @Parameters(paramLabel = "PID", description = "The configuration's PID, e.g. hello.")
        String pid;

        @Override
        public Integer call() {
            ManagementApi.Answer answer = target.read("api/config/" + ManagementApi.encode(pid), "no configuration " + pid);
            if (output.printedJson(answer)) {
                return ExitCode.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (Map.Entry<String, com.google.gson.JsonElement> property
                    : Fields.object(answer.object(), "properties").entrySet()) {
                rows.add(List.of(property.getKey(), property.getValue().isJsonPrimitive()
                        ? property.getValue().getAsString() : property.getValue().toString()));
            }
            output.line(pid + " (" + Fields.text(answer.object(), "artifact") + ", revision "
                    + Fields.number(answer.object(), "revision", 0) + ")");
            output.table(List.of("PROPERTY", "VALUE"), rows);
            return ExitCode.OK;
        }
    }

    @Command(name = "set", description = "Set properties of configuration PID (others keep their values); a new PID "
            + "is created.")
    static final class Set extends ManagerCommand {

        @Parameters(index = "0", paramLabel = "PID", description = "The configuration's PID, e.g. hello.")
        String pid;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE", description = "The properties to set.")
        List<String> assignments;

        @Override
        public Integer call() {
            // the assignments are checked before the manager is asked anything: a mistake sends nothing
            JsonObject assigned = new JsonObject();
            for (String assignment : assignments) {
                int equals = assignment.indexOf('=');
                if (equals < 1) {
                    throw CommandFailure.usage("'" + assignment + "' is not KEY=VALUE");
                }
                assigned.addProperty(assignment.substring(0, equals), assignment.substring(equals + 1));
            }
            JsonObject properties = new JsonObject();
            ManagementApi api = target.api();
            ManagementApi.Answer current = api.get("api/config/" + ManagementApi.encode(pid));
            if (current.status() == 200) {
                Fields.object(current.object(), "properties").entrySet()
                        .forEach(property -> properties.add(property.getKey(), property.getValue()));
            } else if (current.status() != 404) {
                throw ManagementApi.failure(current, "configuration " + pid + " cannot be read");
            }
            assigned.entrySet().forEach(property -> properties.add(property.getKey(), property.getValue()));
            JsonObject body = new JsonObject();
            body.add("properties", properties);
            ManagementApi.Answer answer = api.put("api/config/" + ManagementApi.encode(pid), body);
            if (answer.status() != 200 && answer.status() != 201) {
                throw ManagementApi.failure(answer, pid + " was not saved");
            }
            if (output.json) {
                output.json(answer.body());
            } else {
                output.line(pid + " saved (" + Fields.text(answer.object(), "change") + ", revision "
                        + Fields.number(answer.object(), "revision", 0) + "); it replicates to every worker");
            }
            return ExitCode.OK;
        }
    }
}
