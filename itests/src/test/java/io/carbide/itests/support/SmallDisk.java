package io.carbide.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A disk of a few megabytes for a node's base: a tmpfs mounted on a folder of the test's, grown
 * when the test frees space (as an operator would, by deleting or resizing), unmounted at the end.
 * The unmount is lazy, so it succeeds while a node the test started still has files open there.
 * It needs root and {@code mount}.
 */
public final class SmallDisk implements AutoCloseable {

    private final Path folder;

    private SmallDisk(Path folder) {
        this.folder = folder;
    }

    /**
     * Whether this machine lets a test mount one: root, mount, and the right to mount (a container
     * may run as root without it), tried on a disk of a megabyte.
     */
    public static boolean available() {
        Path trial = null;
        try {
            if (!"0".equals(run(List.of("id", "-u")).strip()) || !Files.isExecutable(Path.of("/usr/bin/mount"))) {
                return false;
            }
            trial = Files.createTempDirectory("carbide-small-disk");
            mount(trial, 1).close();
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            if (trial != null) {
                try {
                    Files.deleteIfExists(trial);
                } catch (IOException ignored) {
                    // a folder in the temporary directory
                }
            }
        }
    }

    /** Mounts a tmpfs of {@code megabytes} on {@code folder}, created if missing. */
    public static SmallDisk mount(Path folder, int megabytes) throws IOException {
        Files.createDirectories(folder);
        run(List.of("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "carbide-test", folder.toString()));
        return new SmallDisk(folder);
    }

    public Path folder() {
        return folder;
    }

    /** Gives the disk {@code megabytes} in all, keeping what it holds. */
    public void resize(int megabytes) throws IOException {
        run(List.of("mount", "-o", "remount,size=" + megabytes + "m", folder.toString()));
    }

    @Override
    public void close() throws IOException {
        run(List.of("umount", "-l", folder.toString()));
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        return output;
    }
}
