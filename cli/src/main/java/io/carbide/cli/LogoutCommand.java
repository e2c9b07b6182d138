package io.carbide.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Ends the saved session on the manager and forgets it here. */
@Command(name = "logout", description = "End the saved session and delete it.")
final class LogoutCommand implements Callable<Integer> {

    @Override
    public Integer call() throws IOException {
        Optional<SavedLogin> saved = SavedLogin.read();
        if (saved.isEmpty()) {
            System.out.println("Not logged in");
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
        System.out.println("Logged out of " + saved.get().url());
        return ExitCode.OK;
    }
}
