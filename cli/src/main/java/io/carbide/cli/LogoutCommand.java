package io.carbide.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Ends the saved session on the manager and forgets it here. */
@Command(name = "logout", description = "End the saved session and delete it.")
final class LogoutCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    Output output;

    @Override
    public Integer call() throws IOException {
        Optional<SavedLogin> saved = SavedLogin.read();
        if (saved.isEmpty()) {
            say("Not logged in", "");
            return ExitCode.OK;
        }
        try {
            new ManagementApi(java.net.URI.create(saved.get().url()),
                    saved.get().cacert().isEmpty() ? null : java.nio.file.Path.of(saved.get().cacert()),
                    ManagementApi.bearer(saved.get().token())).post("api/logout", new JsonObject());
        } catch (CommandFailure ended) {
            // the session had ended already, or the manager is gone: forgetting it here is what is left
        }
        SavedLogin.forget();
        say("Logged out of " + saved.get().url(), saved.get().url());
        return ExitCode.OK;
    }

    private void say(String line, String url) {
        if (output.json) {
            JsonObject body = new JsonObject();
            body.addProperty("loggedOut", !url.isEmpty());
            body.addProperty("url", url.isEmpty() ? null : url);
            output.json(body);
        } else {
            output.line(line);
        }
    }
}
