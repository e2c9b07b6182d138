package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.node.DiskRoom;
import io.carbide.node.Role;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys bundles the way Felix File Install does: a batch of changes is staged first (each bundle
 * installed under {@code carbide:artifact/NAME}, or updated in place, or uninstalled), then the
 * framework refreshes what was updated or removed (so bundles wired to an old revision rewire, and
 * a fragment attaches to a host that was already resolved), and only then is every bundle that
 * should run started. So the order of arrival does not matter: an app that imports a library
 * dropped after it starts once the library is there, at the latest on the next batch or retry.
 *
 * <p>A bundle whose {@code Carbide-Role} this node lacks is never installed: installed, it would
 * take part in every resolution (and the role guard would make other bundles' resolutions fail).
 */
final class BundleDeployer {

    private static final Logger LOG = LoggerFactory.getLogger(BundleDeployer.class);
    private static final long REFRESH_TIMEOUT_SECONDS = 60;

    private final BundleContext context;
    private final Set<Role> roles;
    private final Set<Bundle> toRefresh = new LinkedHashSet<>();

    BundleDeployer(BundleContext context, Set<Role> roles) {
        this.context = context;
        this.roles = roles;
    }

    static String location(String artifactName) {
        return "carbide:artifact/" + artifactName;
    }

    /**
     * Installs a new bundle or updates the installed one, without starting it.
     *
     * @return null once staged, or the state of a bundle that cannot be (refused, unreadable, rejected)
     * @throws DiskRoom.NoRoomException when the framework's bundle cache has no room for it (tried again later)
     */
    ArtifactState stage(Artifact artifact, Path content) throws DiskRoom.NoRoomException {
        String refusal = roleRefusal(artifact, content);
        if (refusal != null) {
            remove(artifact); // an earlier revision that was admitted must not linger
            return Deployer.failed(artifact, refusal);
        }
        // the framework copies an installed bundle into its cache
        String storage = context.getProperty(Constants.FRAMEWORK_STORAGE);
        Path cache = storage == null ? null : Path.of(storage);
        String what = artifact.name() + " in the framework's bundle cache";
        if (cache != null) {
            DiskRoom.require(cache, artifact.size(), what);
        }
        Bundle bundle = context.getBundle(location(artifact.name()));
        try (InputStream in = Files.newInputStream(content)) {
            if (bundle == null) {
                bundle = context.installBundle(location(artifact.name()), in);
                if (isFragment(bundle)) {
                    toRefresh.addAll(hostsOf(bundle)); // a resolved host takes a new fragment only when refreshed
                }
            } else {
                bundle.update(in);
                toRefresh.add(bundle);
            }
            return null;
        } catch (BundleException | IOException | IllegalStateException | SecurityException e) {
            if (cache != null) {
                IOException failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                if (DiskRoom.explain(failure, cache, artifact.size(), what) instanceof DiskRoom.NoRoomException full) {
                    throw full;
                }
            }
            return Deployer.failed(artifact, e.getMessage());
        }
    }

    /** Uninstalls the artifact's bundle, if there is one; its dependents rewire when the batch settles. */
    void remove(Artifact artifact) {
        Bundle bundle = context.getBundle(location(artifact.name()));
        if (bundle != null) {
            try {
                bundle.uninstall();
                toRefresh.add(bundle);
            } catch (BundleException | IllegalStateException alreadyGone) {
                // nothing to do
            }
        }
    }

    /**
     * Ends a batch: refreshes what changed (waiting for it), resolves what can be, and starts every
     * given bundle that is not running yet. A bundle that does not resolve or start is reported
     * with the framework's reason; the others run regardless.
     *
     * @param bundles every bundle artifact this node holds (fetched and admitted)
     * @return the state of each, by artifact name
     */
    Map<String, ArtifactState> settle(Collection<Artifact> bundles) {
        refresh();
        List<Bundle> installed = new ArrayList<>();
        for (Artifact artifact : bundles) {
            Bundle bundle = context.getBundle(location(artifact.name()));
            if (bundle != null) {
                installed.add(bundle);
            }
        }
        context.getBundle(0).adapt(FrameworkWiring.class).resolveBundles(installed);
        Map<String, ArtifactState> states = new LinkedHashMap<>();
        for (Artifact artifact : bundles) {
            Bundle bundle = context.getBundle(location(artifact.name()));
            states.put(artifact.name(), bundle == null ? Deployer.failed(artifact, "not installed") : start(artifact, bundle));
        }
        return states;
    }

    private ArtifactState start(Artifact artifact, Bundle bundle) {
        if (isFragment(bundle)) {
            return (bundle.getState() & Bundle.RESOLVED) != 0 ? Deployer.state(artifact, ArtifactState.ACTIVE)
                    : Deployer.failed(artifact, "fragment waiting for its host "
                            + bundle.getHeaders("").get(Constants.FRAGMENT_HOST));
        }
        try {
            if (bundle.getState() != Bundle.ACTIVE) {
                bundle.start();
            }
            // a bundle started with a lazy activation policy waits in STARTING for its first class load: it runs
            return bundle.getState() == Bundle.ACTIVE || bundle.getState() == Bundle.STARTING && lazy(bundle)
                    ? Deployer.state(artifact, ArtifactState.ACTIVE) : Deployer.state(artifact, ArtifactState.INSTALLED);
        } catch (BundleException | IllegalStateException | SecurityException e) {
            return Deployer.failed(artifact, e.getMessage());
        }
    }

    private static boolean lazy(Bundle bundle) {
        String policy = bundle.getHeaders("").get(Constants.BUNDLE_ACTIVATIONPOLICY);
        return policy != null && policy.strip().startsWith(Constants.ACTIVATION_LAZY);
    }

    /** Bundles still wired to a revision that was updated or uninstalled: none once every batch has settled. */
    int removalPending() {
        return context.getBundle(0).adapt(FrameworkWiring.class).getRemovalPendingBundles().size();
    }

    /** Refreshes the bundles staged as updated or removed, and their dependents, and waits until it is done. */
    private void refresh() {
        if (toRefresh.isEmpty()) {
            return;
        }
        List<Bundle> refreshing = List.copyOf(toRefresh);
        toRefresh.clear();
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(refreshing, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED || event.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        try {
            if (!done.await(REFRESH_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("Refreshing {} bundles took longer than {} s; starting the others anyway", refreshing.size(),
                        REFRESH_TIMEOUT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Why this node must not install the bundle, from its {@code Carbide-Role} header; null when it may. */
    private String roleRefusal(Artifact artifact, Path content) {
        String header;
        try (JarInputStream jar = new JarInputStream(Files.newInputStream(content))) {
            Manifest manifest = jar.getManifest();
            header = manifest == null ? null : manifest.getMainAttributes().getValue(Role.HEADER);
        } catch (IOException unreadable) {
            return null; // the framework says what is wrong with it when it installs it
        }
        try {
            if (Role.admits(roles, Role.ofHeader(header))) {
                return null;
            }
        } catch (IllegalArgumentException malformed) {
            return artifact.name() + " has a malformed " + Role.HEADER + " header '" + header + "'";
        }
        return "refused: " + artifact.name() + " declares " + Role.HEADER + ": " + header + " and this node's roles are "
                + Role.labels(roles) + "; run it on a node whose profile has that role";
    }

    /**
     * Why the artifact's bundle is not running as the framework has it now, or null when it is
     * (active; resolved for a fragment).
     */
    String notRunning(Artifact artifact) {
        Bundle bundle = context.getBundle(location(artifact.name()));
        if (bundle == null) {
            return "its bundle is not installed";
        }
        if (isFragment(bundle)) {
            return (bundle.getState() & Bundle.RESOLVED) != 0 ? null : "its fragment is not attached to a host";
        }
        return bundle.getState() == Bundle.ACTIVE ? null : "its bundle " + bundle.getSymbolicName() + " is not active";
    }

    private static boolean isFragment(Bundle bundle) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        return revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    /** The installed bundles a fragment names as its host. */
    private List<Bundle> hostsOf(Bundle fragment) {
        String header = fragment.getHeaders("").get(Constants.FRAGMENT_HOST);
        if (header == null) {
            return List.of();
        }
        String symbolicName = header.split(";")[0].strip();
        List<Bundle> hosts = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName()) && !isFragment(bundle)) {
                hosts.add(bundle);
            }
        }
        return hosts;
    }
}
