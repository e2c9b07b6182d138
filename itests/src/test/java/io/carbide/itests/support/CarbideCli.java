package io.carbide.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code bin/carbide} as an operator runs it: no terminal, its own log-in file under a test's folder. */
public final class CarbideCli {

    /** What a run printed and how it ended. */
    public record Run(int exitCode, String out, String err) {
        public String all() {
            return out + err;
        }
    }

    private CarbideCli() {
    }

    /**
     * Runs {@code bin/carbide} with these arguments; the log-in is kept in {@code folder/login/},
     * {@code CARBIDE_PASSWORD} comes only from {@code environment}.
     */
    public static Run run(Path folder, Map<String, String> environment, String... args) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Distribution.home().resolve("bin/carbide").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null")));
        builder.environment().remove("CARBIDE_PASSWORD");
        builder.environment().put("CARBIDE_LOGIN_FILE", folder.resolve("login/login.json").toString());
        builder.environment().putAll(environment);
        Path out = folder.resolve("out.txt");
        Path err = folder.resolve("err.txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/carbide " + String.join(" ", args) + " did not finish within 120 s");
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
