package io.carbide.cli;

/**
 * A command that cannot do what it was asked, with the one line that says why and what to do,
 * and the exit code it ends with.
 */
final class CommandFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CommandFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    static CommandFailure failed(String message) {
        return new CommandFailure(ExitCode.FAILED, message);
    }

    static CommandFailure usage(String message) {
        return new CommandFailure(ExitCode.USAGE, message);
    }

    static CommandFailure notAuthenticated(String message) {
        return new CommandFailure(ExitCode.NOT_AUTHENTICATED, message);
    }

    int exitCode() {
        return exitCode;
    }
}
