package io.carbide.cli;

import com.google.gson.JsonObject;
import java.io.Console;
import java.io.IOException;
import picocli.CommandLine.Command;

/**
 * Logs in once, so later commands need no password: asks for it without echo (or reads
 * {@code CARBIDE_PASSWORD}), and keeps the session token the manager gives ({@link SavedLogin}).
 */
@Command(name = "login", description = "Log in to a manager and keep a session token (30 idle minutes) for the "
        + "next commands. The password is asked for, or read from CARBIDE_PASSWORD; never an argument.")
final class LoginCommand extends ManagerCommand {

    @Override
    public Integer call() throws IOException {
        Target.Where where = target.where();
        String user = target.userName();
        String password = System.getenv("CARBIDE_PASSWORD");
        if (password == null) {
            Console console = System.console();
            if (console == null) {
                throw CommandFailure.usage("no terminal to ask for the password of " + user + ": set CARBIDE_PASSWORD");
            }
            char[] typed = console.readPassword("Password of %s at %s: ", user, where.url());
            if (typed == null) {
                throw CommandFailure.usage("no password given");
            }
            password = new String(typed);
        }
        JsonObject body = new JsonObject();
        body.addProperty("user", user);
        body.addProperty("password", password);
        body.addProperty("token", true);
        ManagementApi.Answer answer;
        try {
            answer = target.anonymous().post("api/login", body);
        } catch (CommandFailure failure) {
            if (failure.exitCode() == ExitCode.NOT_AUTHENTICATED) {
                throw CommandFailure.notAuthenticated("wrong user name or password for " + user + " at " + where.url());
            }
            throw failure;
        }
        if (answer.status() != 200 || Fields.text(answer.object(), "token").isEmpty()) {
            throw ManagementApi.failure(answer, "not logged in to " + where.url());
        }
        new SavedLogin(where.url().toString(), where.cacert() == null ? "" : where.cacert().toAbsolutePath().toString(),
                user, Fields.text(answer.object(), "token")).save();
        if (output.json) {
            JsonObject shown = new JsonObject();
            shown.addProperty("user", user);
            shown.addProperty("url", where.url().toString());
            shown.addProperty("loginFile", SavedLogin.file().toString());
            output.json(shown);
        } else {
            output.line("Logged in to " + where.url() + " as " + user + "; the session ends after "
                    + Fields.number(answer.object(), "idleMinutes", 30) + " idle minutes (kept in " + SavedLogin.file()
                    + ")");
        }
        return ExitCode.OK;
    }
}
