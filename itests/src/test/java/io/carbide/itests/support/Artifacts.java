package io.carbide.itests.support;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** The example artifacts the build made, and artifacts a test makes (good and bad ones). */
public final class Artifacts {

    private Artifacts() {
    }

    public static Path examples() {
        return Path.of(System.getProperty("carbide.examples", "../examples")).toAbsolutePath().normalize();
    }

    public static Path helloServlet() {
        return examples().resolve("hello-servlet/target/hello-servlet.jar");
    }

    public static Path helloSite() {
        return examples().resolve("static-site/target/hello-site.zip");
    }

    /** Puts a file into a folder the way a careful user does: copy beside it, then rename. */
    public static void drop(Path file, Path folder, String name) throws IOException {
        Path temp = folder.resolve("." + name + ".copying");
        Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static void dropText(String text, Path folder, String name) throws IOException {
        Path temp = folder.resolve("." + name + ".copying");
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A zip with the given entries (name to content). */
    public static Path zip(Path target, Map<String, byte[]> entries, boolean stored) throws IOException {
        Files.write(target, zipBytes(entries, stored));
        return target;
    }

    /** The bytes of a zip with the given entries (name to content); {@code stored}: not compressed. */
    public static byte[] zipBytes(Map<String, byte[]> entries, boolean stored) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            if (stored) {
                zip.setLevel(0);
            }
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A valid jar whose manifest has no Bundle-SymbolicName: a plain library, not a bundle. */
    public static Path plainJar(Path target) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new ZipEntry("readme.txt"));
            jar.write("not a bundle".getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return target;
    }

    /**
     * A bundle with only a manifest (and a resource in each package it exports): enough for the
     * framework to install, resolve, wire and start it.
     */
    public static Path bundle(Path target, Map<String, String> headers) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        headers.forEach(manifest.getMainAttributes()::putValue);
        try (OutputStream out = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            String exports = headers.getOrDefault("Export-Package", "");
            for (String export : exports.isEmpty() ? new String[0] : exports.split(",")) { // one package, one version each
                String pkg = export.split(";")[0].strip();
                jar.putNextEntry(new ZipEntry(pkg.replace('.', '/') + "/package.txt"));
                jar.write(pkg.getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        }
        return target;
    }

    /** A bundle whose activator ({@link ThrowingActivator}) throws when the framework starts it. */
    public static Path failingBundle(Path target, String symbolicName) throws IOException {
        return bundleWith(target, symbolicName, ThrowingActivator.class, "org.osgi.framework");
    }

    /** A bundle that starts, then answers every request at {@code /failing} with 500 ({@link FailingServletActivator}). */
    public static Path failingServletBundle(Path target, String symbolicName) throws IOException {
        return bundleWith(target, symbolicName, FailingServletActivator.class, "org.osgi.framework, "
                + "jakarta.servlet;version=\"[5,7)\", jakarta.servlet.http;version=\"[5,7)\"",
                FailingServletActivator.Failing.class);
    }

    /** A bundle of the given classes from the tests' own class path, the first one its activator. */
    private static Path bundleWith(Path target, String symbolicName, Class<?> activator, String imports,
            Class<?>... more) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        manifest.getMainAttributes().putValue("Bundle-Version", "1.0.0");
        manifest.getMainAttributes().putValue("Bundle-Activator", activator.getName());
        manifest.getMainAttributes().putValue("Import-Package", imports);
        List<Class<?>> classes = new java.util.ArrayList<>(List.of(activator));
        classes.addAll(List.of(more));
        try (OutputStream out = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            for (Class<?> type : classes) {
                String entry = type.getName().replace('.', '/') + ".class";
                try (java.io.InputStream bytes = type.getClassLoader().getResourceAsStream(entry)) {
                    jar.putNextEntry(new ZipEntry(entry));
                    bytes.transferTo(jar);
                    jar.closeEntry();
                }
            }
        }
        return target;
    }

    /** The first {@code bytes} of a file, as a copy cut short leaves it. */
    public static Path truncated(Path source, Path target, int bytes) throws IOException {
        byte[] all = Files.readAllBytes(source);
        Files.write(target, java.util.Arrays.copyOf(all, Math.min(bytes, all.length / 2)));
        return target;
    }
}
