package io.carbide.runtime;

/**
 * A reason the node cannot start that the user can act on. Its message is the one line printed
 * to them: it names the profile, file (and line) or bundle at fault and what to do about it.
 */
public class LaunchException extends Exception {

    private static final long serialVersionUID = 1L;

    public LaunchException(String message) {
        super(message);
    }

    public LaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
