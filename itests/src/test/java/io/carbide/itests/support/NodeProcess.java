package io.carbide.itests.support;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One node of the real distribution, driven only through its scripts, as a user would: start.sh,
 * status.sh, stop.sh. Each node gets its own base folder and a free port offset. {@link #close()}
 * kills the process this node started (by the pid it wrote) if a test left it running.
 */
public final class NodeProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Path home;
    private final Path base;
    private final String profile;
    private final int portOffset;
    private final List<String> extraOptions;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private List<String> inside = List.of();
    private String host = "127.0.0.1";
    private Long pid;

    public NodeProcess(Path base, String profile, String... extraOptions) {
        this(base, profile, PortOffsets.free(), extraOptions);
    }

    private NodeProcess(Path base, String profile, int portOffset, String... extraOptions) {
        this.home = Distribution.home();
        this.base = base;
        this.profile = profile;
        this.portOffset = portOffset;
        this.extraOptions = List.of(extraOptions);
        // the tests run as root on CI machines; the warning start.sh gives for that is checked on its own
        environment.put("CARBIDE_ALLOW_ROOT", "true");
    }

    /**
     * A node on a given port offset: for clusters whose nodes must know each other's ports before
     * any of them starts (several managers as well-known members of each other).
     */
    public static NodeProcess withOffset(Path base, String profile, int portOffset, String... extraOptions) {
        return new NodeProcess(base, profile, portOffset, extraOptions);
    }

    /**
     * Runs this node on a host of a {@link NetworkLab}: its scripts run in that host's namespace,
     * and the test reaches its ports at the host's address.
     */
    public NodeProcess on(NetworkLab lab, NetworkLab.Host labHost) {
        this.inside = lab.inside(labHost);
        this.host = labHost.address();
        return this;
    }

    /** Runs this node from another installation (see {@link Distribution#copyTo}) than the build's. */
    public NodeProcess installedAt(Path installation) {
        this.home = installation;
        return this;
    }

    /** Runs this node's scripts (and so the node) as another, unprivileged, user ({@code runuser}). */
    public NodeProcess asUser(String user) {
        this.inside = List.of("runuser", "-u", user, "--");
        return this;
    }

    /** The address the node's ports are reached at: 127.0.0.1, or its lab host's. */
    public String host() {
        return host;
    }

    /** Sets an environment variable for the scripts (and so the node) this object runs. */
    public NodeProcess withEnvironment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    public Path base() {
        return base;
    }

    /** The node's name: its {@code -Dnode=} option, else its base folder's name. */
    public String name() {
        return extraOptions.stream().filter(option -> option.startsWith("-Dnode=")).map(option -> option.substring(7))
                .reduce((first, second) -> second).orElse(base.getFileName().toString());
    }

    public int portOffset() {
        return portOffset;
    }

    public int clientPort() {
        return 9763 + portOffset;
    }

    public int managementPort() {
        return 9443 + portOffset;
    }

    public int clusterPort() {
        return 4000 + portOffset;
    }

    public List<String> options() {
        List<String> options = new ArrayList<>();
        options.add("-Dprofile=" + profile);
        options.add("-DportOffset=" + portOffset);
        options.add("-Dcarbide.base=" + base);
        if (extraOptions.stream().noneMatch(option -> option.startsWith("-Dcarbide.drain.seconds="))) {
            options.add("-Dcarbide.drain.seconds=0"); // tests stop nodes often; the ones about draining set it
        }
        options.addAll(extraOptions);
        return options;
    }

    public ScriptResult start() {
        return start(new String[0]);
    }

    /** Starts the node with options for this start only, after its own (a later -D of the same name wins). */
    public ScriptResult start(String... thisStartOnly) {
        List<String> args = new ArrayList<>(options());
        args.addAll(List.of(thisStartOnly));
        args.add("--background");
        ScriptResult result = script("start.sh", args);
        if (result.exitCode() == 0 || result.exitCode() == 1) { // 1: started, but not ready within --wait
            pid = readPid();
        }
        return result;
    }

    public ScriptResult stop() {
        return script("stop.sh", options());
    }

    public ScriptResult status(boolean json) {
        List<String> args = new ArrayList<>(options());
        if (json) {
            args.add("--json");
        }
        return script("status.sh", args);
    }

    public JsonObject statusJson() {
        ScriptResult result = status(true);
        return JsonParser.parseString(result.stdout()).getAsJsonObject();
    }

    /** Polls status.sh --json until the condition holds, or fails after the timeout. */
    public JsonObject awaitStatus(Predicate<JsonObject> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = statusJson();
                if (condition.test(last)) {
                    return last;
                }
            } catch (RuntimeException parseOrMissing) {
                // starting: try again
            }
            sleep(200);
        }
        throw new AssertionError("node " + base.getFileName() + " did not reach: " + what + " within " + timeout
                + "; last status: " + last + "\nlog:\n" + logTail());
    }

    public JsonObject awaitReady() {
        return awaitStatus(s -> s.has("ready") && s.get("ready").getAsBoolean(), Duration.ofSeconds(60), "ready");
    }

    /** The option that makes another node join this one's cluster through it. */
    public String asWellKnownMember() {
        return "-Dcarbide.cluster.wellKnownMembers=" + host + "[" + clusterPort() + "]";
    }

    public Path deployDir() {
        return base.resolve("deploy");
    }

    /**
     * Polls {@code GET path} on the client port until it answers {@code status} with a body that
     * contains {@code text} (null: any body), or fails after the timeout.
     */
    public String awaitHttp(String path, int status, String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = get(clientPort(), path);
                last = response.statusCode() + " " + response.body();
                if (response.statusCode() == status && (text == null || response.body().contains(text))) {
                    return response.body();
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            sleep(100);
        }
        throw new AssertionError("node " + base.getFileName() + ": GET " + path + " did not answer " + status
                + (text == null ? "" : " with '" + text + "'") + " within " + timeout + "; last: "
                + last.substring(0, Math.min(300, last.length())) + "\nlog:\n" + logTail());
    }

    public HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return get(port, path, HttpResponse.BodyHandlers.ofString());
    }

    private <T> HttpResponse<T> get(int port, String path, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), body);
    }

    /** A GET whose answer is kept as bytes, for comparing content. */
    public HttpResponse<byte[]> getBytes(int port, String path) throws IOException, InterruptedException {
        return get(port, path, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The names of the members of a node's cluster view, from its {@code status.sh --json}. */
    public static java.util.Set<String> memberNames(JsonObject status) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        if (status.has("cluster")) {
            status.getAsJsonObject("cluster").getAsJsonArray("members")
                    .forEach(member -> names.add(member.getAsJsonObject().get("name").getAsString()));
        }
        return names;
    }

    public static boolean hasBundle(JsonObject status, String symbolicName) {
        for (JsonElement bundle : status.getAsJsonArray("bundles")) {
            if (symbolicName.equals(bundle.getAsJsonObject().get("symbolicName").getAsString())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the node's log has a line containing {@code text}. */
    public boolean logContains(String text) {
        try {
            return Files.readString(base.resolve("logs/carbide.log")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** How many lines of the node's log contain {@code text}. */
    public long logCount(String text) {
        try (var lines = Files.lines(base.resolve("logs/carbide.log"))) {
            return lines.filter(line -> line.contains(text)).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(base.resolve("logs/carbide.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private Long readPid() {
        try {
            return Long.parseLong(Files.readString(base.resolve("data/carbide.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    public ScriptResult script(String name, List<String> args) {
        List<String> command = new ArrayList<>(inside);
        command.add(home.resolve("bin").resolve(name).toString());
        command.addAll(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            byte[] err = process.getErrorStream().readAllBytes();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(name + " did not finish within 90 s");
            }
            return new ScriptResult(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + name, e);
        }
    }

    /** The pid of the process this object started, if it did. */
    public long pid() {
        if (pid == null) {
            throw new IllegalStateException("node " + base.getFileName() + " was not started by this test");
        }
        return pid;
    }

    /**
     * Runs one of the JDK's diagnostic commands (e.g. {@code Thread.print}, {@code
     * GC.class_histogram}) in the process this object started, with the test's own JDK's jcmd.
     *
     * @return what jcmd printed
     * @throws IOException when jcmd cannot run, or fails
     */
    public String jcmd(String command) throws IOException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid()), command).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!jcmd.waitFor(30, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
                jcmd.destroyForcibly();
                throw new IOException("jcmd " + pid() + " " + command + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running jcmd " + command, e);
        }
        return out;
    }

    /** Sends a signal (e.g. {@code STOP}, {@code CONT}) to the process this object started, as an operator's kill would. */
    public void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new AssertionError("kill -" + name + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kill: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for the process this object started to end on its own; false after the timeout. */
    public boolean awaitExit(Duration timeout) {
        return ProcessHandle.of(pid()).map(p -> {
            try {
                p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (java.util.concurrent.ExecutionException e) {
                return true;
            }
        }).orElse(true);
    }

    /** What the node printed on its console ({@code logs/console.out} when started in the background). */
    public String console() {
        try {
            return Files.readString(base.resolve("logs/console.out"));
        } catch (IOException e) {
            return "";
        }
    }

    /** Kills the process with SIGKILL, as a crash would. */
    public void kill() {
        if (pid != null) {
            ProcessHandle.of(pid).ifPresent(process -> {
                process.destroyForcibly();
                process.onExit().orTimeout(20, TimeUnit.SECONDS).join();
            });
        }
    }

    /**
     * Kills the node if it still runs, and keeps its log under {@code target/node-logs/}: the test's
     * folder goes with the test, and a failure in one node is often explained by another's log.
     */
    @Override
    public void close() {
        kill();
        Path log = base.resolve("logs/carbide.log");
        if (Files.isRegularFile(log)) {
            try {
                Path kept = Files.createDirectories(Path.of("target", "node-logs"));
                Files.copy(log, kept.resolve(System.currentTimeMillis() + "-" + name() + ".log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                // only the evidence is lost, not the test
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
