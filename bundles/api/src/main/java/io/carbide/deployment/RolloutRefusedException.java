package io.carbide.deployment;

import java.io.IOException;

/**
 * A change or a rollout step was refused: a staged rollout is in progress (only it may change the
 * repository until it ends), or the step does not fit the rollout's state. The message names the
 * rollout and what to do. The management API answers 409.
 */
public class RolloutRefusedException extends IOException {

    private static final long serialVersionUID = 1L;

    public RolloutRefusedException(String message) {
        super(message);
    }
}
