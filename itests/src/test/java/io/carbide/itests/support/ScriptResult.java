package io.carbide.itests.support;

/** What one of the bin/ scripts printed and how it exited. */
public record ScriptResult(int exitCode, String stdout, String stderr) {

    public String output() {
        return stdout + stderr;
    }
}
