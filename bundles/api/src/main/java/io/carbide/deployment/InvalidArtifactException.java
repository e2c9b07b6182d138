package io.carbide.deployment;

/** An artifact refused before anything was stored; the message says why in one sentence. */
public class InvalidArtifactException extends Exception {

    private static final long serialVersionUID = 1L;

    public InvalidArtifactException(String message) {
        super(message);
    }
}
