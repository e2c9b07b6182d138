package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Deploys bundles: installed under the location {@code carbide:artifact/NAME} (so the next version
 * of the same artifact updates it in place) and started. A bundle that does not resolve or start
 * is reported failed with the framework's reason, and the rest keeps running.
 */
final class BundleDeployer implements Deployer {

    private final BundleContext context;

    BundleDeployer(BundleContext context) {
        this.context = context;
    }

    static String location(String artifactName) {
        return "carbide:artifact/" + artifactName;
    }

    @Override
    public ArtifactState deploy(Artifact artifact, Path content) {
        String location = location(artifact.name());
        Bundle bundle = context.getBundle(location);
        try (InputStream in = Files.newInputStream(content)) {
            if (bundle == null) {
                bundle = context.installBundle(location, in);
            } else {
                bundle.update(in);
            }
            if ((bundle.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0) {
                return Deployer.state(artifact, ArtifactState.INSTALLED);
            }
            bundle.start();
            return Deployer.state(artifact, bundle.getState() == Bundle.ACTIVE ? ArtifactState.ACTIVE
                    : ArtifactState.INSTALLED);
        } catch (BundleException | IOException | IllegalStateException | SecurityException e) {
            return Deployer.failed(artifact, e.getMessage());
        }
    }

    @Override
    public void undeploy(Artifact artifact) {
        Bundle bundle = context.getBundle(location(artifact.name()));
        if (bundle != null) {
            try {
                bundle.uninstall();
                // let bundles that were wired to it rewire now, not at the next restart
                context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(bundle));
            } catch (BundleException | IllegalStateException ignored) {
                // already gone
            }
        }
    }
}
