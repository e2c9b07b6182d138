package io.carbide.itests.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.carbide.itests.support.ManagementClient;
import io.carbide.itests.support.NetworkLab;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.PortOffsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Several managers sharing one repository through their consensus, and workers following it: real
 * processes, on 127.0.0.1 or on the hosts of a {@link NetworkLab}. The consensus suites share it.
 */
final class ManagerCluster implements AutoCloseable {

    static final String PASSWORD = "consensus-test-password";
    static final Duration CONVERGE = Duration.ofSeconds(60);

    final List<NodeProcess> managers = new ArrayList<>();
    final List<NodeProcess> workers = new ArrayList<>();

    /** {@code managers} voting managers and {@code workers} workers; with a lab, one host each, managers first. */
    ManagerCluster(Path dir, int managerCount, int workerCount, NetworkLab lab, String... extra) {
        int[] offsets = PortOffsets.free(managerCount + workerCount);
        List<NetworkLab.Host> hosts = new ArrayList<>();
        for (int i = 0; i < managerCount + workerCount; i++) {
            hosts.add(lab == null ? null : lab.host(i < managerCount ? "m" + (i + 1) : "w" + (i - managerCount + 1)));
        }
        List<String> wellKnown = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < managerCount; i++) {
            wellKnown.add(address(hosts.get(i)) + "[" + (4000 + offsets[i]) + "]");
            names.add("mgr-" + (i + 1));
        }
        for (int i = 0; i < managerCount + workerCount; i++) {
            boolean manager = i < managerCount;
            String name = manager ? names.get(i) : "w-" + (i - managerCount + 1);
            List<String> options = new ArrayList<>(List.of("-Dnode=" + name,
                    "-Dcarbide.cluster.wellKnownMembers=" + String.join(",", wellKnown)));
            if (manager) {
                options.add("-Dcarbide.managers=" + String.join(",", names));
            }
            if (hosts.get(i) != null) {
                options.add("-Dcarbide.cluster.bindAddress=" + hosts.get(i).address());
                options.add("-Dcarbide.management.host=" + hosts.get(i).address());
            }
            options.addAll(List.of(extra));
            NodeProcess node = NodeProcess.withOffset(dir.resolve(name), manager ? "manager" : "worker", offsets[i],
                    options.toArray(String[]::new)).withEnvironment("CARBIDE_ADMIN_PASSWORD", PASSWORD);
            if (hosts.get(i) != null) {
                node.on(lab, hosts.get(i));
            }
            (manager ? managers : workers).add(node);
        }
    }

    private static String address(NetworkLab.Host host) {
        return host == null ? "127.0.0.1" : host.address();
    }

    void startAll() {
        for (NodeProcess node : all()) {
            assertEquals(0, node.start().exitCode(), node.logTail());
        }
        for (NodeProcess node : all()) {
            node.awaitReady();
        }
        awaitOneRepository(managers);
    }

    List<NodeProcess> all() {
        List<NodeProcess> all = new ArrayList<>(managers);
        all.addAll(workers);
        return all;
    }

    NodeProcess manager(String name) {
        return managers.stream().filter(m -> m.base().getFileName().toString().equals(name)).findFirst().orElseThrow();
    }

    static ManagementClient api(NodeProcess manager) {
        return new ManagementClient(manager, "admin", PASSWORD);
    }

    /** Every given manager holds the same repository id and sees the same leader. */
    String awaitOneRepository(List<NodeProcess> among) {
        String id = null;
        for (NodeProcess manager : among) {
            JsonObject status = manager.awaitStatus(s -> !repositoryId(s).isEmpty() && leader(s).isPresent(), CONVERGE,
                    "a repository and a leader");
            if (id == null) {
                id = repositoryId(status);
            }
            assertEquals(id, repositoryId(status), manager.base() + " holds another repository");
        }
        return id;
    }

    /** The leader, as the managers that are up see it. */
    NodeProcess leader(List<NodeProcess> up) {
        String name = up.get(0).awaitStatus(s -> leader(s).isPresent(), CONVERGE, "a leader").getAsJsonObject("managers")
                .get("leader").getAsString();
        return manager(name);
    }

    static String repositoryId(JsonObject status) {
        return status.has("repository") && status.getAsJsonObject("repository").has("id")
                ? status.getAsJsonObject("repository").get("id").getAsString() : "";
    }

    static long revision(NodeProcess node) {
        JsonObject status = node.statusJson();
        return status.has("repository") ? status.getAsJsonObject("repository").get("revision").getAsLong()
                : status.getAsJsonObject("deployment").get("revision").getAsLong();
    }

    static Optional<String> leader(JsonObject status) {
        JsonObject managers = status.getAsJsonObject("managers");
        return managers == null || !managers.has("leader") || managers.get("leader").isJsonNull() ? Optional.empty()
                : Optional.of(managers.get("leader").getAsString());
    }

    static Set<String> deployed(NodeProcess worker) {
        Set<String> names = new TreeSet<>();
        for (JsonElement artifact : worker.statusJson().getAsJsonObject("deployment").getAsJsonArray("artifacts")) {
            names.add(artifact.getAsJsonObject().get("name").getAsString());
        }
        return names;
    }

    @Override
    public void close() {
        for (NodeProcess node : all()) {
            try {
                node.signal("CONT");
            } catch (RuntimeException | AssertionError gone) {
                // not running, or not started
            }
            node.close();
        }
    }
}
