package io.carbide.cli;

import com.google.gson.JsonElement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The management users. */
@Command(name = "users", description = "The management users.")
final class UsersCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Mixin
    Output output;

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
