package io.carbide.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Embeds Felix and brings a bundle plan to life: installs every planned bundle in start order
 * (straight from {@code system/}, without copying it into the cache), sets its start level,
 * starts the framework up to the highest level and checks that every bundle is ACTIVE.
 */
public final class NodeLauncher {

    private final Map<String, String> frameworkProperties;

    public NodeLauncher(Map<String, String> frameworkProperties) {
        this.frameworkProperties = frameworkProperties;
    }

    /**
     * Starts the node and returns its running framework.
     *
     * @throws LaunchException naming the first bundle that did not install, resolve or start; the
     *     framework is stopped again before it is thrown
     */
    public Framework start(BundlePlan plan) throws LaunchException {
        Framework framework = newFramework(plan, frameworkProperties);
        Map<Long, Throwable> startErrors = new ConcurrentHashMap<>();
        try {
            framework.init();
            framework.getBundleContext().addFrameworkListener(event -> {
                if (event.getType() == FrameworkEvent.ERROR && event.getBundle() != null) {
                    startErrors.putIfAbsent(event.getBundle().getBundleId(), event.getThrowable());
                }
            });
            List<Bundle> bundles = install(framework.getBundleContext(), plan);
            for (Bundle bundle : bundles) {
                if (!isFragment(bundle)) {
                    bundle.start(); // persistent: the bundle starts when its start level is reached
                }
            }
            framework.start(); // Felix climbs to the beginning start level before it returns
            checkAllActive(bundles, plan, startErrors);
            return framework;
        } catch (LaunchException e) {
            stopQuietly(framework);
            throw e;
        } catch (BundleException e) {
            stopQuietly(framework);
            throw new LaunchException("The framework did not start: " + oneLine(e.getMessage())
                    + "; run again with -Ddebug=true for details", e);
        }
    }

    /**
     * Installs the plan into a framework that is never started and resolves it: the build runs
     * this for every profile so that a bundle set that does not resolve fails the build.
     *
     * @return one line per bundle that did not resolve; empty when all did
     */
    public List<String> checkResolves(BundlePlan plan) throws LaunchException {
        Framework framework = newFramework(plan, frameworkProperties);
        try {
            framework.init();
            List<Bundle> bundles = install(framework.getBundleContext(), plan);
            framework.adapt(FrameworkWiring.class).resolveBundles(bundles);
            List<String> problems = new ArrayList<>();
            for (Bundle bundle : bundles) {
                if (bundle.getState() == Bundle.INSTALLED) {
                    problems.add(describe(bundle, plan) + " does not resolve: " + resolutionProblem(bundle));
                }
            }
            return problems;
        } catch (BundleException e) {
            throw new LaunchException("The framework did not initialise: " + oneLine(e.getMessage()), e);
        } finally {
            stopQuietly(framework);
        }
    }

    private static Framework newFramework(BundlePlan plan, Map<String, String> properties) {
        Map<String, Object> config = new HashMap<>(properties);
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, String.valueOf(plan.highestStartLevel()));
        config.put("felix.log.logger", new FelixLogBridge());
        config.putIfAbsent("felix.log.level", "2");
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path (lib/)"));
        @SuppressWarnings({"unchecked", "rawtypes"})
        Map<String, String> untyped = (Map) config; // Felix accepts objects, e.g. the log bridge
        return factory.newFramework(untyped);
    }

    private static List<Bundle> install(BundleContext system, BundlePlan plan) throws LaunchException {
        List<Bundle> bundles = new ArrayList<>();
        for (BundlePlan.PlannedBundle planned : plan.bundles()) {
            try {
                Bundle bundle = system.installBundle("reference:" + planned.file().toUri());
                bundle.adapt(BundleStartLevel.class).setStartLevel(planned.startLevel());
                bundles.add(bundle);
            } catch (BundleException e) {
                throw new LaunchException("Bundle " + planned.coordinate() + " (feature '" + planned.feature()
                        + "') could not be installed from " + planned.file() + ": " + oneLine(e.getMessage())
                        + "; replace the jar in system/ with a good copy");
            }
        }
        return bundles;
    }

    private static void checkAllActive(List<Bundle> bundles, BundlePlan plan, Map<Long, Throwable> startErrors)
            throws LaunchException {
        for (Bundle bundle : bundles) {
            if (isFragment(bundle) || bundle.getState() == Bundle.ACTIVE) {
                continue;
            }
            Throwable error = startErrors.get(bundle.getBundleId());
            String why = bundle.getState() == Bundle.INSTALLED ? "does not resolve: " + resolutionProblem(bundle)
                    : "did not start: " + (error == null ? "it is " + stateName(bundle) : oneLine(rootMessage(error)));
            throw new LaunchException(describe(bundle, plan) + " " + why
                    + "; fix or replace the bundle, or remove it from its feature", error);
        }
    }

    /** Asking the framework to start an unresolved bundle is how Felix tells what is missing. */
    private static String resolutionProblem(Bundle bundle) {
        try {
            bundle.start(Bundle.START_TRANSIENT);
            bundle.stop(Bundle.STOP_TRANSIENT);
            return "unknown reason";
        } catch (BundleException | IllegalStateException e) {
            return oneLine(e.getMessage());
        }
    }

    private static String describe(Bundle bundle, BundlePlan plan) {
        String location = bundle.getLocation();
        String feature = plan.bundles().stream().filter(p -> location.endsWith(p.file().toUri().toString()))
                .map(p -> " (" + p.coordinate() + ", feature '" + p.feature() + "')").findFirst().orElse("");
        return "Bundle " + bundle.getSymbolicName() + " " + bundle.getVersion() + feature;
    }

    private static boolean isFragment(Bundle bundle) {
        return (bundle.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    private static String stateName(Bundle bundle) {
        return switch (bundle.getState()) {
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            default -> "in state " + bundle.getState();
        };
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == error ? String.valueOf(error.getMessage()) : error.getMessage() + ": " + root;
    }

    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }

    static void stopQuietly(Framework framework) {
        try {
            framework.stop();
            framework.waitForStop(20_000);
        } catch (BundleException | InterruptedException | IllegalStateException ignored) {
            // shutting down anyway
        }
    }
}
