package io.carbide.cli;

import java.io.Console;
import java.util.Arrays;

/** The passphrase that seals a backup's keys: {@code CARBIDE_BACKUP_PASSPHRASE}, else asked without echo. */
final class Passphrase {

    static final String ENVIRONMENT_VARIABLE = "CARBIDE_BACKUP_PASSPHRASE";

    private Passphrase() {
    }

    /** @param twice ask again to confirm (when sealing: a typo would make the keys unrecoverable) */
    static char[] ask(String prompt, boolean twice) {
        String fromEnvironment = System.getenv(ENVIRONMENT_VARIABLE);
        if (fromEnvironment != null) {
            return fromEnvironment.toCharArray();
        }
        Console console = System.console();
        if (console == null) {
            throw CommandFailure.usage("no terminal to ask for the passphrase: set " + ENVIRONMENT_VARIABLE);
        }
        char[] typed = console.readPassword("%s: ", prompt);
        if (typed == null) {
            throw CommandFailure.usage("no passphrase given");
        }
        if (twice) {
            char[] again = console.readPassword("Again: ");
            if (again == null || !Arrays.equals(typed, again)) {
                throw CommandFailure.usage("the two passphrases differ; nothing was backed up");
            }
        }
        return typed;
    }
}
