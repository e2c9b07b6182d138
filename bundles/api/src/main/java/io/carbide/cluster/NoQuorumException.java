package io.carbide.cluster;

/**
 * No majority of the managers is reachable, so nothing can be committed: the message says how
 * many are, e.g. {@code no quorum: 1 of 3 managers reachable; changes are refused until a majority
 * is back}.
 */
public class NoQuorumException extends Exception {

    private static final long serialVersionUID = 1L;

    public NoQuorumException(String message) {
        super(message);
    }
}
