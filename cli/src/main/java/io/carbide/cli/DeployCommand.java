package io.carbide.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Uploads a file as an artifact: exactly like dropping it into the manager's deploy/; with
 * {@code --canary}/{@code --waves}, rolled out to the workers in waves that halt themselves.
 */
@Command(name = "deploy", description = "Upload FILE as an artifact (like dropping it into the manager's deploy/); "
        + "it replicates to every worker, or with --canary/--waves to a canary first, then in waves.")
final class DeployCommand extends ManagerCommand {

    @Parameters(paramLabel = "FILE", description = "A bundle (.jar), a web application (.zip or .war) or a configuration (.cfg).")
    Path file;

    @Option(names = "--name", paramLabel = "NAME", description = "The artifact's name (default: the file's name).")
    String name;

    @Option(names = "--canary", paramLabel = "N", description = "Roll out to N workers first (a staged rollout).")
    Integer canary;

    @Option(names = "--waves", paramLabel = "P%,...", description = "Then in waves up to these shares of the workers, "
            + "e.g. 50%,100%.")
    String waves;

    @Option(names = "--settle", paramLabel = "SECONDS", description = "How long each wave must be applied and healthy "
            + "before the next (default 10).")
    Integer settle;

    @Option(names = "--max-error-rate", paramLabel = "SHARE", description = "Halt when a wave answers more than this "
            + "share of requests with 5xx (default 0.05).")
    String maxErrorRate;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw CommandFailure.usage("no file " + file + " to deploy");
        }
        String artifact = name != null ? name : file.getFileName().toString();
        ManagementApi.Answer answer = target.api().putFile("api/artifacts/" + ManagementApi.encode(artifact) + policy(),
                file);
        if (answer.status() != 200 && answer.status() != 201 && answer.status() != 202) {
            throw ManagementApi.failure(answer, artifact + " was not deployed");
        }
        if (output.json) {
            output.json(answer.body());
        } else if (answer.status() == 202) {
            output.line(ManagementApi.inCliTerms(Fields.text(answer.object(), "message")));
        } else {
            String change = Fields.text(answer.object(), "change");
            output.line(artifact + " " + (change.isEmpty() ? "stored" : change) + " at revision "
                    + Fields.number(answer.object(), "revision", 0) + " (" + Output.size(Fields.number(answer.object(),
                            "size", -1)) + "); bin/carbide nodes shows the workers take it");
        }
        return ExitCode.OK;
    }

    /** The staged rollout's query, or nothing for a plain deploy. */
    private String policy() {
        if (canary == null && waves == null) {
            if (settle != null || maxErrorRate != null) {
                throw CommandFailure.usage("--settle and --max-error-rate belong to a staged rollout: add --canary N or "
                        + "--waves P%,...");
            }
            return "";
        }
        StringBuilder query = new StringBuilder("?canary=" + (canary == null ? 1 : canary));
        if (waves != null) {
            query.append("&waves=").append(ManagementApi.encode(waves));
        }
        if (settle != null) {
            query.append("&settle=").append(settle);
        }
        if (maxErrorRate != null) {
            query.append("&maxErrorRate=").append(ManagementApi.encode(maxErrorRate));
        }
        return query.toString();
    }
}
