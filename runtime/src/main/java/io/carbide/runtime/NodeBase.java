package io.carbide.runtime;

import io.carbide.node.AtomicFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Claims a node's base folder for this process: creates {@code data/}, {@code deploy/} and
 * {@code logs/}, takes an exclusive lock so two nodes never share one base (they would corrupt
 * each other's cache and repository), and writes {@code data/carbide.pid} for stop.sh and
 * status.sh. The lock dies with the process, so a node killed with kill -9 never blocks the next
 * start.
 */
public final class NodeBase implements AutoCloseable {

    private final Path pidFile;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private NodeBase(Path pidFile, FileChannel lockChannel, FileLock lock) {
        this.pidFile = pidFile;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * A node's data/ holds replicated configurations (which may carry credentials), its state and
     * its repository: nobody but the node's own user reads it.
     */
    private static void ownerOnly(Path data) throws IOException {
        try {
            Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            // the platform's own permissions apply
        }
    }

    public static NodeBase claim(NodeOptions options) throws LaunchException {
        Path data = options.dataDir();
        try {
            Files.createDirectories(data);
            ownerOnly(data);
            Files.createDirectories(options.deployDir());
            Files.createDirectories(options.logsDir());
        } catch (IOException e) {
            throw new LaunchException("Cannot create the node's folders under " + options.base() + ": " + e
                    + "; choose a writable -Dcarbide.base=DIR");
        }
        Path pidFile = data.resolve("carbide.pid");
        try {
            FileChannel channel = FileChannel.open(data.resolve("carbide.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new LaunchException("Another node already runs from " + options.base() + " (pid "
                        + readPid(pidFile) + "); stop it with bin/stop.sh -Dcarbide.base=" + options.base()
                        + " or give this node its own -Dcarbide.base=DIR");
            }
            AtomicFile.write(pidFile, (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII));
            return new NodeBase(pidFile, channel, lock);
        } catch (IOException e) {
            throw new LaunchException("Cannot lock " + data + ": " + e + "; choose a writable -Dcarbide.base=DIR");
        }
    }

    private static String readPid(Path pidFile) {
        try {
            return Files.readString(pidFile).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(pidFile);
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the process is exiting; the OS drops the lock anyway
        }
    }
}
