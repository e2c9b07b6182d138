package io.carbide.cli;

import com.google.gson.JsonElement;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** The management users. */
@Command(name = "users", description = "The management users.")
final class UsersCommand extends ManagerCommand {

    @Override
    public Integer call() {
        ManagementApi.Answer answer = target.read("api/users", "no users from " + target.where().url());
        if (output.printedJson(answer)) {
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonElement user : Fields.list(answer.object(), "users")) {
            rows.add(List.of(user.getAsString()));
        }
        output.table(List.of("USER"), rows);
        return ExitCode.OK;
    }
}
