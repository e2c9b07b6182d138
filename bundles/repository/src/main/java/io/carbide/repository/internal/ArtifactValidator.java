package io.carbide.repository.internal;

import io.carbide.deployment.ArchiveBudget;
import io.carbide.deployment.ArtifactNames;
import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.InvalidArtifactException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.felix.cm.file.ConfigurationHandler;
import org.osgi.framework.Version;

/**
 * Decides whether a file is a valid artifact before anything is stored or sent: a bundle has a
 * symbolic name and a version; a web application zip opens and has no absolute or {@code ..}
 * entries; a configuration parses. Each refusal is one sentence naming the file and what to fix.
 */
final class ArtifactValidator {

    private ArtifactValidator() {
    }

    /**
     * @throws NoSuchFileException when the file is gone (deleted while it was read): gone is not
     *         broken; a link to nothing, though, is refused
     */
    static ArtifactType validate(String name, Path file) throws InvalidArtifactException, NoSuchFileException {
        String badName = ArtifactNames.refusal(name);
        if (badName != null) {
            throw new InvalidArtifactException(badName);
        }
        ArtifactType type = ArtifactType.of(name).orElseThrow(() -> new InvalidArtifactException(name
                + ": unknown artifact type; deploy bundles (.jar), configurations (.cfg, .config) or web "
                + "applications (.zip)"));
        switch (type) {
            case BUNDLE -> bundle(name, file);
            case CONFIGURATION -> configuration(name, file);
            case WEBAPP -> webApp(name, file);
        }
        return type;
    }

    private static void bundle(String name, Path file) throws InvalidArtifactException, NoSuchFileException {
        try (JarFile jar = new JarFile(file.toFile(), true)) {
            Manifest manifest = jar.getManifest();
            String symbolicName = manifest == null ? null : manifest.getMainAttributes().getValue("Bundle-SymbolicName");
            if (symbolicName == null || symbolicName.isBlank()) {
                throw new InvalidArtifactException(name + " is a jar but not an OSGi bundle (no Bundle-SymbolicName in "
                        + "its manifest); build it as a bundle, e.g. with bnd");
            }
            String version = manifest.getMainAttributes().getValue("Bundle-Version");
            if (version == null || version.isBlank()) {
                throw new InvalidArtifactException(name + " has no Bundle-Version; give the bundle a version");
            }
            Version.parseVersion(version.trim());
            // reading every entry catches a truncated or corrupt archive, and one that expands without bound
            ArchiveBudget budget = ArchiveBudget.of(name);
            for (Enumeration<? extends ZipEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                budget.entry();
                try (InputStream in = jar.getInputStream(entry)) {
                    budget.copy(entry, in, OutputStream.nullOutputStream());
                }
            }
        } catch (ArchiveBudget.Exceeded e) {
            throw new InvalidArtifactException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new InvalidArtifactException(name + " has an invalid Bundle-Version (" + e.getMessage() + ")");
        } catch (IOException | SecurityException e) {
            throwIfGone(file, e);
            throw new InvalidArtifactException(name + " is not a readable jar (" + e.getMessage()
                    + "); it may be truncated or corrupt, copy it again");
        }
    }

    private static void webApp(String name, Path file) throws InvalidArtifactException, NoSuchFileException {
        String context = name.substring(0, name.length() - ".zip".length());
        if (context.isEmpty()) {
            throw new InvalidArtifactException(name + ": a web application needs a name before .zip");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            java.util.Optional<String> link = ZipLinks.firstLink(file);
            if (link.isPresent()) {
                throw new InvalidArtifactException(name + " holds a symbolic link ('" + ArtifactNames.shown(link.get())
                        + "'); a web application holds plain files and folders: rebuild the zip without links");
            }
            ArchiveBudget budget = ArchiveBudget.of(name);
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                String entryName = entry.getName();
                if (entryName.startsWith("/") || entryName.startsWith("\\") || entryName.contains(":")
                        || List.of(entryName.replace('\\', '/').split("/")).contains("..")) {
                    throw new InvalidArtifactException(name + " has an entry that would land outside its folder ('"
                            + entryName + "'); rebuild the zip with relative paths only");
                }
                budget.entry();
                if (!entry.isDirectory()) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        budget.copy(entry, in, OutputStream.nullOutputStream()); // a cut archive fails here too
                    }
                }
            }
        } catch (ArchiveBudget.Exceeded e) {
            throw new InvalidArtifactException(e.getMessage());
        } catch (IOException e) {
            throwIfGone(file, e);
            throw new InvalidArtifactException(name + " is not a readable zip archive (" + e.getMessage()
                    + "); it may be truncated or corrupt, copy it again");
        }
    }

    /** Rethrows a file's own absence; a symbolic link to nothing is there, and broken. */
    private static void throwIfGone(Path file, Exception e) throws NoSuchFileException {
        if (e instanceof NoSuchFileException gone && Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw gone;
        }
    }

    /** Every quote and bracket of a {@code .config} file is closed (outside comments). */
    private static void closed(String name, String text) throws IOException {
        int depth = 0;
        boolean quoted = false;
        int line = 1;
        int opened = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
            }
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '#' && (i == 0 || text.charAt(i - 1) == '\n')) {
                int end = text.indexOf('\n', i);
                i = end < 0 ? text.length() : end - 1;
            } else if (c == '"') {
                quoted = true;
                opened = line;
            } else if (c == '[' || c == '(') {
                depth++;
                opened = line;
            } else if (c == ']' || c == ')') {
                depth--;
            }
        }
        if (quoted || depth > 0) {
            throw new IOException("line " + opened + " of " + name + " opens a " + (quoted ? "quote" : "bracket")
                    + " that is never closed");
        }
        if (depth < 0) {
            throw new IOException(name + " closes a bracket it never opened");
        }
    }

    private static void configuration(String name, Path file) throws InvalidArtifactException, NoSuchFileException {
        try {
            if (name.endsWith(".config")) {
                try (InputStream in = Files.newInputStream(file)) {
                    ConfigurationHandler.read(in);
                }
                // Felix's reader takes an unclosed quote or bracket to the end of the file as a value
                closed(name, Files.readString(file, StandardCharsets.UTF_8));
            } else {
                CfgFormat.check(name, Files.readString(file, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throwIfGone(file, e);
            throw new InvalidArtifactException(name + " does not parse as a configuration (" + e.getMessage()
                    + "); fix the file");
        }
    }
}
