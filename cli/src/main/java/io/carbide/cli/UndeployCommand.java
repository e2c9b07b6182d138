package io.carbide.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Removes an artifact from every node: like deleting it from the manager's deploy/. */
@Command(name = "undeploy", description = "Remove the artifact NAME from every node (like deleting it from deploy/).")
final class UndeployCommand extends ManagerCommand {

    @Parameters(paramLabel = "NAME", description = "The artifact's name, e.g. hello-site.zip.")
    String name;

    @Override
    public Integer call() {
        ManagementApi.Answer answer = target.api().delete("api/artifacts/" + ManagementApi.encode(name));
        if (answer.status() != 200) {
            throw ManagementApi.failure(answer, name + " was not undeployed");
        }
        if (output.json) {
            output.json(answer.body());
        } else {
            output.line(name + " removed at revision " + Fields.number(answer.object(), "revision", 0));
        }
        return ExitCode.OK;
    }
}
