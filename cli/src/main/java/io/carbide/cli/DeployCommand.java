package io.carbide.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Uploads a file as an artifact: exactly like dropping it into the manager's deploy/. */
@Command(name = "deploy", description = "Upload FILE as an artifact (like dropping it into the manager's deploy/); "
        + "it replicates to every worker.")
final class DeployCommand extends ManagerCommand {

    @Parameters(paramLabel = "FILE", description = "A bundle (.jar), a web application (.zip or .war) or a configuration (.cfg).")
    Path file;

    @Option(names = "--name", paramLabel = "NAME", description = "The artifact's name (default: the file's name).")
    String name;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw CommandFailure.usage("no file " + file + " to deploy");
        }
        String artifact = name != null ? name : file.getFileName().toString();
        ManagementApi.Answer answer = target.api().putFile("api/artifacts/" + ManagementApi.encode(artifact), file);
        if (answer.status() != 200 && answer.status() != 201) {
            throw ManagementApi.failure(answer, artifact + " was not deployed");
        }
        if (output.json) {
            output.json(answer.body());
        } else {
            String change = Fields.text(answer.object(), "change");
            output.line(artifact + " " + (change.isEmpty() ? "stored" : change) + " at revision "
                    + Fields.number(answer.object(), "revision", 0) + " (" + Output.size(Fields.number(answer.object(),
                            "size", -1)) + "); bin/carbide nodes shows the workers take it");
        }
        return ExitCode.OK;
    }
}
