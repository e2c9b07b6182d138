package io.carbide.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/carbide}: the operator's command line, a thin client of a manager's management API
 * (the same certificate and users as the console). One class per command. Exit codes are the same
 * for every command ({@link ExitCode}): 0 ok, 1 failed, 2 bad usage, 3 not authenticated; every
 * failure is one line on stderr that says what to do.
 */
@Command(name = "carbide", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Carbide.Version.class,
        description = "Drives a Carbide fleet through a manager's management API.",
        subcommands = {LoginCommand.class, LogoutCommand.class, StatusCommand.class, NodesCommand.class, AdoptCommand.class,
                DeployCommand.class, UndeployCommand.class, HistoryCommand.class, RollbackCommand.class,
                RolloutCommand.class, ConfigCommand.class, UsersCommand.class, LoadBalancerCommand.class,
                BackupCommand.class, RestoreCommand.class, CertCommand.class},
        footer = {"", "The manager: --url or CARBIDE_URL, else the one of --base when given, else the saved log-in's, else "
                + "this installation's. Log in once with 'carbide login'; CARBIDE_PASSWORD serves one command instead.",
                "Exit codes: 0 ok, 1 failed, 2 bad usage, 3 not authenticated."})
public final class Carbide implements Runnable {

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "give a command, e.g. carbide status");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code. */
    static int run(String... args) {
        CommandLine line = new CommandLine(new Carbide());
        line.setExecutionExceptionHandler((failure, commandLine, parsed) -> {
            if (failure instanceof CommandFailure known) {
                commandLine.getErr().println("carbide: " + known.getMessage());
                return known.exitCode();
            }
            commandLine.getErr().println("carbide: " + failure);
            return ExitCode.FAILED;
        });
        line.setParameterExceptionHandler((bad, arguments) -> {
            bad.getCommandLine().getErr().println("carbide: " + bad.getMessage() + " ("
                    + bad.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return ExitCode.USAGE;
        });
        return line.execute(args);
    }

    /** The version the distribution was built as. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Carbide.class.getPackage().getImplementationVersion();
            return new String[] {"carbide " + (version == null ? "(development build)" : version)};
        }
    }
}
