package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.WebAppHost;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Deploys static web applications: the zip is unpacked into
 * {@code data/deployment/webapps/NAME-SHA/} (into a scratch folder first, renamed when complete)
 * and served at {@code /NAME/} on the client port. Every entry is checked again to stay inside the
 * folder, whatever the manager validated.
 */
final class WebAppDeployer implements Deployer {

    private final Path webapps;
    private final Supplier<WebAppHost> host;

    WebAppDeployer(Path webapps, Supplier<WebAppHost> host) {
        this.webapps = webapps;
        this.host = host;
    }

    static String contextName(String artifactName) {
        return artifactName.substring(0, artifactName.length() - ".zip".length());
    }

    @Override
    public ArtifactState deploy(Artifact artifact, Path content) {
        WebAppHost server = host.get();
        if (server == null) {
            return Deployer.failed(artifact, "this node has no web application host (the carbide-serving bundle)");
        }
        String name = contextName(artifact.name());
        Path folder = webapps.resolve(name + "-" + artifact.sha256().substring(0, 16));
        try {
            if (!Files.isDirectory(folder)) {
                unpack(content, folder);
            }
            server.publish(name, folder);
            removeOtherVersions(name, folder);
            return Deployer.state(artifact, ArtifactState.ACTIVE);
        } catch (IOException e) {
            return Deployer.failed(artifact, "web application " + artifact.name() + " could not be unpacked: "
                    + e.getMessage());
        }
    }

    @Override
    public void undeploy(Artifact artifact) {
        String name = contextName(artifact.name());
        WebAppHost server = host.get();
        if (server != null) {
            server.unpublish(name);
        }
        try {
            removeOtherVersions(name, null);
        } catch (IOException ignored) {
            // leftovers are cleared at the next deploy of this name
        }
    }

    private void unpack(Path zip, Path folder) throws IOException {
        Files.createDirectories(webapps);
        Path scratch = Files.createTempDirectory(webapps, ".unpack-");
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            for (Enumeration<? extends ZipEntry> entries = archive.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                Path target = scratch.resolve(entry.getName()).normalize();
                if (!target.startsWith(scratch)) {
                    throw new IOException("entry '" + entry.getName() + "' would land outside the application folder");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = archive.getInputStream(entry)) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Files.move(scratch, folder, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            delete(scratch);
        }
    }

    private void removeOtherVersions(String name, Path keep) throws IOException {
        if (!Files.isDirectory(webapps)) {
            return;
        }
        try (Stream<Path> folders = Files.list(webapps)) {
            for (Path folder : (Iterable<Path>) folders::iterator) {
                String fileName = folder.getFileName().toString();
                if (fileName.startsWith(name + "-") && fileName.length() == name.length() + 17 && !folder.equals(keep)) {
                    delete(folder);
                }
            }
        }
    }

    static void delete(Path tree) throws IOException {
        if (!Files.exists(tree)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }
}
