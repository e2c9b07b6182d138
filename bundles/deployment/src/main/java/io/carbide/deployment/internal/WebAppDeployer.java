package io.carbide.deployment.internal;

import io.carbide.deployment.ArchiveBudget;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.ArtifactState;
import io.carbide.deployment.WebAppHost;
import io.carbide.node.DiskRoom;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Deploys static web applications: the zip is unpacked into a fresh folder under
 * {@code data/deployment/webapps/NAME/} (into a scratch folder first, renamed when complete) and
 * served at {@code /NAME/} on the client port. Every entry is checked again to stay inside the
 * folder, whatever the manager validated.
 *
 * <p>What was unpacked is listed beside the folder ({@code FOLDER.files}: each file's path, size
 * and modification time), so a look at the folder tells whether anything in it was changed,
 * added or removed since; then it is unpacked again from the verified zip ({@link #intact}).
 */
final class WebAppDeployer implements Deployer {

    private final Path webapps;
    private final Supplier<WebAppHost> host;
    /** An earlier build's folders not cleared yet; null until first looked for. Deploying is one thread's work. */
    private List<Path> legacy;

    WebAppDeployer(Path webapps, Supplier<WebAppHost> host) {
        this.webapps = webapps;
        this.host = host;
    }

    static String contextName(String artifactName) {
        return artifactName.substring(0, artifactName.length() - ".zip".length());
    }

    @Override
    public ArtifactState deploy(Artifact artifact, Path content) throws DiskRoom.NoRoomException {
        WebAppHost server = host.get();
        if (server == null) {
            return Deployer.failed(artifact, "this node has no web application host (the carbide-serving bundle)");
        }
        String name = contextName(artifact.name());
        try {
            Path folder = current(artifact);
            if (folder == null) {
                folder = unpack(content, appFolder(name).resolve(artifact.sha256().substring(0, 16) + "-"
                        + Long.toString(System.currentTimeMillis(), 36)));
            }
            server.publish(name, folder);
            removeOtherVersions(name, folder);
            return Deployer.state(artifact, ArtifactState.ACTIVE);
        } catch (DiskRoom.NoRoomException e) {
            throw e;
        } catch (IOException e) {
            return Deployer.failed(artifact, "web application " + artifact.name() + " could not be unpacked: "
                    + e.getMessage());
        }
    }

    /** Whether the unpacked files of this artifact are all there and unchanged. */
    @Override
    public boolean intact(Artifact artifact) throws IOException {
        return current(artifact) != null;
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
            Files.deleteIfExists(appFolder(name));
        } catch (IOException ignored) {
            // leftovers are cleared at the next deploy of this name
        }
    }

    private Path appFolder(String name) {
        return webapps.resolve(name);
    }

    /** The unpacked folder of exactly this content whose files match its list, or null. */
    private Path current(Artifact artifact) throws IOException {
        Path app = appFolder(contextName(artifact.name()));
        if (!Files.isDirectory(app)) {
            return null;
        }
        String prefix = artifact.sha256().substring(0, 16) + "-";
        try (Stream<Path> folders = Files.list(app)) {
            for (Path folder : (Iterable<Path>) folders::iterator) {
                if (Files.isDirectory(folder) && folder.getFileName().toString().startsWith(prefix)
                        && list(folder).equals(recorded(folder))) {
                    return folder;
                }
            }
        }
        return null;
    }

    /**
     * Unpacks into a scratch folder renamed into place when complete. A disk without room for what
     * the archive's directory says it holds is refused before anything is written ({@link
     * DiskRoom.NoRoomException}: tried again once there is room); a disk that runs out while
     * unpacking (the directory understated the sizes, or another writer took the room) fails this
     * deploy with the same line, and nothing of it is left.
     */
    private Path unpack(Path zip, Path folder) throws IOException {
        String name = folder.getParent().getFileName() + ".zip";
        Path scratch = null;
        long declared = 0;
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            Files.createDirectories(folder.getParent());
            ArchiveBudget budget = ArchiveBudget.of(name);
            // what the directory claims, at most what the budget lets through: an archive claiming more
            // is refused by the budget as it unpacks, not held back for room it will never get
            declared = Math.min(unpackedSize(archive), budget.maxBytes());
            DiskRoom.require(webapps, declared, name + " unpacked");
            scratch = Files.createTempDirectory(folder.getParent(), ".unpack-");
            for (Enumeration<? extends ZipEntry> entries = archive.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                budget.entry();
                Path target = scratch.resolve(entry.getName()).normalize();
                if (!target.startsWith(scratch)) {
                    throw new IOException("entry '" + entry.getName() + "' would land outside the application folder");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = archive.getInputStream(entry);
                         OutputStream out = Files.newOutputStream(target)) {
                        budget.copy(entry, in, out); // never more than the node allows, whatever the zip claims
                    }
                }
            }
            Files.move(scratch, folder, StandardCopyOption.ATOMIC_MOVE);
            try {
                writeList(folder);
            } catch (IOException e) {
                delete(folder); // without its list it would never check out, and only hold the disk
                throw e;
            }
            return folder;
        } catch (DiskRoom.NoRoomException refused) {
            throw refused; // before a byte was written
        } catch (IOException e) {
            IOException explained = DiskRoom.explain(e, webapps, declared, name + " unpacked");
            // not retried as a refusal is: the archive's directory may understate what it holds
            throw explained == e ? e : new IOException(explained.getMessage(), e);
        } finally {
            if (scratch != null) {
                delete(scratch);
            }
        }
    }

    /** What the archive's entries say they hold unpacked (the budget holds them to it while they are). */
    private static long unpackedSize(ZipFile archive) {
        long total = 0;
        for (Enumeration<? extends ZipEntry> entries = archive.entries(); entries.hasMoreElements(); ) {
            long size = entries.nextElement().getSize();
            total = size > 0 && total > Long.MAX_VALUE - size ? Long.MAX_VALUE : total + Math.max(0, size);
        }
        return total;
    }

    /**
     * Records what was unpacked, renamed into place whole but not forced to disk: the folder is
     * derived from verified content, so a list lost or cut short by a power cut only means the
     * folder no longer checks out and is unpacked again. Two disk flushes fewer per application
     * is a third of what a batch of small ones waited for.
     */
    private static void writeList(Path folder) throws IOException {
        Path list = listFile(folder);
        Path temp = list.resolveSibling("." + list.getFileName() + ".tmp");
        Files.write(temp, String.join("\n", list(folder)).getBytes(StandardCharsets.UTF_8));
        Files.move(temp, list, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Each file under {@code folder}: its relative path, size and modification time, one per line, sorted. */
    private static List<String> list(Path folder) throws IOException {
        TreeMap<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
                files.put(folder.relativize(file).toString(), Files.size(file) + " "
                        + Files.getLastModifiedTime(file).toMillis());
            }
        }
        List<String> lines = new ArrayList<>();
        files.forEach((path, stamp) -> lines.add(path + "\t" + stamp));
        return lines;
    }

    private static List<String> recorded(Path folder) throws IOException {
        Path list = listFile(folder);
        if (!Files.isRegularFile(list)) {
            return List.of("(no list)");
        }
        String text = Files.readString(list, StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    private static Path listFile(Path folder) {
        return folder.resolveSibling(folder.getFileName() + ".files");
    }

    /**
     * Folders of an earlier build, which unpacked into {@code webapps/NAME-SHA16} directly: the
     * folder is listed once, at the first deploy, not at every one (listing it per deploy made a
     * batch of a thousand applications cost the square of its size).
     */
    private List<Path> legacyFolders() throws IOException {
        if (legacy == null) {
            legacy = new ArrayList<>();
            if (Files.isDirectory(webapps)) {
                try (Stream<Path> folders = Files.list(webapps)) {
                    folders.filter(f -> f.getFileName().toString().matches(".+-[0-9a-f]{16}")).forEach(legacy::add);
                }
            }
        }
        return legacy;
    }

    private void removeOtherVersions(String name, Path keep) throws IOException {
        for (java.util.Iterator<Path> it = legacyFolders().iterator(); it.hasNext(); ) {
            Path folder = it.next();
            String fileName = folder.getFileName().toString();
            if (fileName.startsWith(name + "-") && fileName.length() == name.length() + 17) {
                delete(folder);
                it.remove();
            }
        }
        Path app = appFolder(name);
        if (!Files.isDirectory(app)) {
            return;
        }
        try (Stream<Path> entries = Files.list(app)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                boolean kept = keep != null && (entry.equals(keep) || entry.equals(listFile(keep)));
                if (!kept) {
                    delete(entry);
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
