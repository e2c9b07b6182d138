package io.carbide.deployment;

import java.nio.file.Path;

/** Serves static web applications on the client port, each under {@code /<name>/}. */
public interface WebAppHost {

    /** Serves the files under {@code root} at {@code /<name>/}, replacing what was there. */
    void publish(String name, Path root);

    /** Stops serving {@code /<name>/}. */
    void unpublish(String name);
}
