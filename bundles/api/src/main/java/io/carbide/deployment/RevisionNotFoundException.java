package io.carbide.deployment;

/**
 * A revision the repository cannot bring back: one it never had ({@link #retired()} false), or
 * one whose content its retention policy has since collected ({@link #retired()} true).
 */
public class RevisionNotFoundException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean retired;

    public RevisionNotFoundException(String message, boolean retired) {
        super(message);
        this.retired = retired;
    }

    /** The revision existed, but is older than what the retention policy keeps. */
    public boolean retired() {
        return retired;
    }
}
