package io.carbide.cluster.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;

/**
 * Reads a JGroups stack from {@code conf/cluster/}, filling in this node's settings where the file
 * says {@code ${carbide.cluster.*}}. The stacks are plain XML so users can read and tune them;
 * the node's settings are substituted here rather than through JVM-wide system properties.
 */
final class StackFile {

    private StackFile() {
    }

    static byte[] read(ClusterSettings settings) throws IOException {
        if (!Files.isRegularFile(settings.stackFile())) {
            throw new IOException("cluster stack file " + settings.stackFile() + " does not exist; set "
                    + "carbide.cluster.stack to tcp or udp, or add that file");
        }
        return read(settings.stackFile(), Map.of(
                "${carbide.cluster.bindAddress}", settings.bindAddress(),
                "${carbide.cluster.port}", String.valueOf(settings.port()),
                "${carbide.cluster.wellKnownMembers}", settings.wellKnownMembers(),
                "${carbide.cluster.joinTimeout}", String.valueOf(settings.joinTimeoutMillis()),
                "${carbide.cluster.discoveryCache}", settings.discoveryCache().toString()));
    }

    /** Reads a stack file, replacing each {@code ${...}} key of {@code values} with its value. */
    static byte[] read(java.nio.file.Path file, Map<String, String> values) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("cluster stack file " + file + " does not exist; the distribution ships it in conf/cluster/");
        }
        String xml = Files.readString(file, StandardCharsets.UTF_8);
        for (Map.Entry<String, String> value : values.entrySet()) {
            xml = xml.replace(value.getKey(), value.getValue());
        }
        return xml.getBytes(StandardCharsets.UTF_8);
    }
}
