package io.carbide.cli;

import com.google.gson.JsonElement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The load balancer's files the manager keeps current (carbide.lb.*): their names, or one of them. */
@Command(name = "lb", description = "The load balancer configuration the manager keeps current from the cluster: "
        + "the file names, or the file NAME (e.g. haproxy.cfg, nginx-http.conf, nginx-stream.conf).")
final class LoadBalancerCommand extends ManagerCommand {

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "A file to print.")
    String name;

    @Override
    public Integer call() {
        ManagementApi.Answer answer = target.read("api/lb" + (name == null ? "" : "/" + ManagementApi.encode(name)),
                name == null ? "no load balancer files" : "no file " + name);
        if (name != null) {
            output.out.print(answer.text()); // the file itself, ready to pipe; --json has nothing to add to it
        } else if (!output.printedJson(answer)) {
            for (JsonElement file : Fields.list(answer.object(), "files")) {
                output.line(file.getAsString());
            }
        }
        return ExitCode.OK;
    }
}
