package io.carbide.cli;

/** What {@code bin/carbide} exits with, for scripts: the same for every command. */
final class ExitCode {

    static final int OK = 0;
    /** The command ran and failed: the node said no, or could not be reached. */
    static final int FAILED = 1;
    /** The command line was wrong: nothing was sent. */
    static final int USAGE = 2;
    /** No valid log-in: run {@code bin/carbide login}. */
    static final int NOT_AUTHENTICATED = 3;

    private ExitCode() {
    }
}
