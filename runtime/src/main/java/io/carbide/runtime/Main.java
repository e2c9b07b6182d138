package io.carbide.runtime;

import io.carbide.node.NodeProperties;
import io.carbide.node.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.osgi.framework.Bundle;
import org.osgi.framework.launch.Framework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a Carbide node: {@code bin/start.sh} runs this with the user's {@code -D} flags.
 *
 * <p>Exit codes: 0 after a clean stop, 2 when the user must fix something (unknown profile, bad
 * file, missing or broken bundle: one line on standard error says what), 1 for anything else.
 * With {@code --check} it starts nothing and instead verifies that every profile's bundle set
 * resolves; the build runs that.
 */
public final class Main {

    static final int EXIT_USER_ERROR = 2;
    static final int EXIT_FAILURE = 1;
    static final String DRAIN_SECONDS = "carbide.drain.seconds";
    static final long DEFAULT_DRAIN_SECONDS = 5;

    private Main() {
    }

    public static void main(String[] args) {
        Properties system = System.getProperties();
        boolean debug = Boolean.parseBoolean(system.getProperty("debug", "false"));
        boolean check = List.of(args).contains("--check");
        try {
            NodeOptions options = NodeOptions.from(system);
            configureLogging(options, check);
            int code = check ? checkProfiles(options, system) : run(options, system);
            System.exit(code);
        } catch (LaunchException e) {
            // a part that stopped the node while it started knows best what went wrong
            String failure = System.getProperty(NodeProperties.FAILURE);
            System.err.println("carbide: " + (failure != null ? failure : e.getMessage()));
            if (debug) {
                e.printStackTrace();
            }
            System.exit(EXIT_USER_ERROR);
        } catch (RuntimeException | Error e) {
            System.err.println("carbide: unexpected failure: " + e + " (run with -Ddebug=true for the stack trace)");
            if (debug) {
                e.printStackTrace();
            }
            System.exit(EXIT_FAILURE);
        }
    }

    /** Logback reads conf/logback.xml (the base's copy wins) and writes under the base's logs/. */
    private static void configureLogging(NodeOptions options, boolean check) throws LaunchException {
        Path conf = options.base().resolve("conf/logback.xml");
        if (!Files.isRegularFile(conf)) {
            conf = options.home().resolve("conf/logback.xml");
        }
        System.setProperty("logback.configurationFile", conf.toString());
        if (check) {
            System.setProperty("carbide.console.level", "WARN");
            System.setProperty("carbide.logs", System.getProperty("java.io.tmpdir") + "/carbide-check-logs");
        } else {
            System.setProperty("carbide.logs", options.logsDir().toString());
        }
    }

    private static int run(NodeOptions options, Properties system) throws LaunchException {
        // the profile, its bundles and its ports are checked before logging starts: a refused start writes no log file
        Profile profile = new ProfileReader(options.profilesDir()).read(options.profile());
        Map<String, Feature> features = new FeatureReader(options.featuresDir()).readAll();
        BundlePlan plan = new BundlePlanner(options.systemRepository()).plan(profile, features);
        PortCheck.requireFree(options, profile);
        Logger log = LoggerFactory.getLogger(Main.class);
        plan.refused().forEach(refusal -> log.warn(refusal.reason()));

        NodeBase base = NodeBase.claim(options);
        BaseRegistry.record(options.home(), options.base());
        try {
            Map<String, String> properties = FrameworkProperties.build(options, profile, system);
            log.info("Starting node {} from {}: profile {} ({}), features {}", options.nodeName(), options.base(),
                    profile.name(), profile.description(), String.join(", ", plan.features()));
            long drainSeconds = drainSeconds(profile, log);
            System.setProperty(DRAIN_SECONDS, Long.toString(drainSeconds)); // status.json shows it to stop.sh
            Framework framework = new NodeLauncher(properties).start(plan);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // /health answers "draining" from here on, while the bundles still serve
                System.setProperty(NodeProperties.DRAINING, "true");
                // only a node that still serves drains (not one that failed or stopped by itself); a second
                // SIGTERM does not cut the drain short, SIGKILL does
                if (drainSeconds > 0 && System.getProperty(NodeProperties.FAILURE) == null
                        && framework.getState() == Bundle.ACTIVE) {
                    log.info("Node {} draining for {} s ({}): /health answers 503 so load balancers take it out of "
                            + "rotation, and requests are still served", options.nodeName(), drainSeconds, DRAIN_SECONDS);
                    try {
                        Thread.sleep(drainSeconds * 1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                log.info("Node {} stopping", options.nodeName());
                NodeLauncher.stopQuietly(framework);
                log.info("Node {} stopped", options.nodeName());
            }, "carbide-shutdown"));
            log.info(readyLine(options, profile, framework));
            markClassDataRecordingUsable();
            framework.waitForStop(0);
            String failure = System.getProperty(NodeProperties.FAILURE);
            if (failure != null) {
                // a part of the node could not work and stopped it; it logged the same line
                System.err.println("carbide: " + failure);
                return EXIT_USER_ERROR;
            }
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FAILURE;
        } finally {
            base.close();
        }
    }

    /**
     * How long a stopping node keeps serving while /health says "draining": long enough for a
     * load balancer checking every 2 s to see it twice. Only nodes that serve clients drain.
     */
    private static long drainSeconds(Profile profile, Logger log) {
        long fallback = profile.roles().contains(Role.WORKER) ? DEFAULT_DRAIN_SECONDS : 0;
        String configured = System.getProperty(DRAIN_SECONDS);
        if (configured == null || configured.isBlank()) {
            return fallback;
        }
        try {
            return Math.max(0, Math.min(600, Long.parseLong(configured.strip())));
        } catch (NumberFormatException e) {
            log.warn("{} = '{}' is not a number of seconds; a stop drains for {} s", DRAIN_SECONDS, configured, fallback);
            return fallback;
        }
    }

    static String readyLine(NodeOptions options, Profile profile, Framework framework) {
        long active = 0;
        for (Bundle bundle : framework.getBundleContext().getBundles()) {
            if (bundle.getBundleId() != 0 && bundle.getState() == Bundle.ACTIVE) {
                active++;
            }
        }
        long millis = launchedAt().map(start -> Duration.between(start, Instant.now()).toMillis()).orElse(-1L);
        return "Node " + options.nodeName() + " ready: profile " + profile.name() + ", roles "
                + Role.labels(profile.roles()) + ", " + (profile.isReadOnly() ? "read-only" : "read-write") + ", "
                + active + " bundles active, client port " + (9763 + options.portOffset()) + ", " + millis + " ms";
    }

    /**
     * bin/start.sh keeps the class data this JVM records at exit only from a node that got as far as
     * ready: a start refused early would record too few classes for later starts to gain anything.
     */
    private static void markClassDataRecordingUsable() {
        String recording = System.getProperty("carbide.cds.recording");
        if (recording != null) {
            try {
                Files.createFile(Path.of(recording + ".ready"));
            } catch (java.io.IOException | RuntimeException e) {
                // without the mark, the next start records again
            }
        }
    }

    /** When bin/start.sh was run (it passes carbide.launchedAt), else when this process started. */
    private static java.util.Optional<Instant> launchedAt() {
        try {
            return java.util.Optional.of(Instant.ofEpochMilli(Long.parseLong(System.getProperty("carbide.launchedAt"))));
        } catch (NumberFormatException missing) {
            return ProcessHandle.current().info().startInstant();
        }
    }

    /** Resolves every profile's bundle set in a framework that is never started. */
    private static int checkProfiles(NodeOptions options, Properties system) throws LaunchException {
        ProfileReader profiles = new ProfileReader(options.profilesDir());
        Map<String, Feature> features = new FeatureReader(options.featuresDir()).readAll();
        List<String> problems = new ArrayList<>();
        for (String name : profiles.available().split(", ")) {
            Profile profile = profiles.read(name);
            BundlePlan plan = new BundlePlanner(options.systemRepository()).plan(profile, features);
            Path scratch;
            try {
                scratch = Files.createTempDirectory("carbide-check-");
            } catch (java.io.IOException e) {
                throw new LaunchException("Cannot create a scratch folder for the check: " + e.getMessage());
            }
            NodeOptions scratchNode = new NodeOptions(options.home(), scratch, name, 0, "check", false, true);
            List<String> found;
            try {
                found = new NodeLauncher(FrameworkProperties.build(scratchNode, profile, new Properties()))
                        .checkResolves(plan);
            } finally {
                deleteScratch(scratch); // every build runs the check: its framework caches must not pile up
            }
            System.out.printf("profile %-10s %2d bundles, %d refused by role: %s%n", name, plan.bundles().size(),
                    plan.refused().size(), found.isEmpty() ? "resolves" : "DOES NOT RESOLVE");
            found.forEach(p -> problems.add("profile " + name + ": " + p));
        }
        problems.forEach(p -> System.err.println("carbide: " + p));
        return problems.isEmpty() ? 0 : EXIT_USER_ERROR;
    }

    private static void deleteScratch(Path scratch) {
        try (java.util.stream.Stream<Path> tree = Files.walk(scratch)) {
            for (Path path : (Iterable<Path>) tree.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            System.err.println("carbide: could not remove the check's scratch folder " + scratch + " (" + e.getMessage()
                    + "); it may be deleted by hand");
        }
    }
}
