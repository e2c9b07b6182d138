package io.carbide.cli;

import com.google.gson.JsonElement;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** The management users and their roles. */
@Command(name = "users", description = "The management users and their roles (viewer, deployer, admin).")
final class UsersCommand extends ManagerCommand {

    @Override
    public Integer call() {
        ManagementApi.Answer answer = target.read("api/users", "no users from " + target.where().url());
        if (output.printedJson(answer)) {
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        com.google.gson.JsonObject roles = Fields.object(answer.object(), "roles");
        for (JsonElement user : Fields.list(answer.object(), "users")) {
            String name = user.getAsString();
            // a manager from before roles says none: its users are all admins
            rows.add(List.of(name, roles.has(name) ? roles.get(name).getAsString() : "admin"));
        }
        output.table(List.of("USER", "ROLE"), rows);
        return ExitCode.OK;
    }
}
