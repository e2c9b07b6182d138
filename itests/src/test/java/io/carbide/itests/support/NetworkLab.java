package io.carbide.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hosts of a test's own on this machine, for faults that cross a network: one network namespace
 * per host, each joined by a veth pair to a bridge, with an address from a documentation range
 * (TEST-NET-2, 198.51.100.0/24, or TEST-NET-3, 203.0.113.0/24: reserved, never routed on the
 * internet). The bridge, in the machine's own namespace, holds .254 so the test can reach the
 * hosts' client and management ports. The lab takes a range no route or address of this machine
 * uses (here the machine itself sits in TEST-NET-1, 192.0.2.0/24), and checks that its addresses
 * route to its bridge before any node starts: nothing sent to them can leave the machine, and the
 * hosts have no route but their own subnet.
 *
 * <p>Partitions are silent drops with nftables inside the namespaces ({@link #cut}, symmetric or
 * one way) or a link taken down ({@link #linkDown}); {@link #heal} undoes them. {@link #close}
 * removes every namespace, link and the bridge, also when the test failed. It needs root, iproute2
 * and nftables ({@code apt-get install -y nftables}); {@link #available()} says whether they are here.
 */
public final class NetworkLab implements AutoCloseable {

    private static final List<String> SUBNETS = List.of("198.51.100.", "203.0.113.");

    /** A host of the lab: a network namespace with one address. */
    public record Host(String name, String namespace, String address, String rootLink, String link) {
    }

    private final String prefix;
    private final String bridge;
    private String subnet;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private boolean bridgeUp;

    public NetworkLab() {
        // short names: Linux allows 15 characters for a link
        this.prefix = "cb" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        this.bridge = prefix + "br";
    }

    /** Whether this machine lets the lab be built: root, ip and nft. */
    public static boolean available() {
        return "0".equals(run(List.of("id", "-u")).strip()) && Files.isExecutable(Path.of("/usr/sbin/ip"))
                && (Files.isExecutable(Path.of("/usr/sbin/nft")) || Files.isExecutable(Path.of("/sbin/nft")));
    }

    /** The address the test itself has on the lab's network. */
    public String testAddress() {
        return subnet + "254";
    }

    /** The first documentation range this machine has no address or route in. */
    private static String freeSubnet() {
        String used = run(List.of("ip", "-4", "route")) + run(List.of("ip", "-4", "addr"));
        for (String candidate : SUBNETS) {
            if (!used.contains(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("every documentation range (" + SUBNETS + ") is in use on this machine: "
                + used);
    }

    /** Refuses to go on unless {@code address} is routed to the lab's bridge. */
    private void requireRoutedToBridge(String address) {
        String route = run(List.of("ip", "route", "get", address));
        if (!route.contains("dev " + bridge + " ")) {
            throw new IllegalStateException("lab address " + address + " would not stay on the lab's bridge: " + route);
        }
    }

    /** Adds a host (.1 of the lab's range for the first, then .2, ...). */
    public Host host(String name) {
        if (!bridgeUp) {
            subnet = freeSubnet();
            must("ip", "link", "add", bridge, "type", "bridge");
            bridgeUp = true;
            must("ip", "addr", "add", testAddress() + "/24", "dev", bridge);
            must("ip", "link", "set", bridge, "up");
        }
        int index = hosts.size() + 1;
        String namespace = prefix + "-" + name;
        String rootLink = prefix + index + "r";
        String link = prefix + index + "n";
        must("ip", "netns", "add", namespace);
        Host host = new Host(name, namespace, subnet + index, rootLink, link);
        requireRoutedToBridge(host.address());
        hosts.put(name, host);
        must("ip", "link", "add", rootLink, "type", "veth", "peer", "name", link);
        must("ip", "link", "set", link, "netns", namespace);
        must("ip", "link", "set", rootLink, "master", bridge);
        must("ip", "link", "set", rootLink, "up");
        must("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up");
        must("ip", "netns", "exec", namespace, "ip", "addr", "add", host.address() + "/24", "dev", link);
        must("ip", "netns", "exec", namespace, "ip", "link", "set", link, "up");
        must("ip", "netns", "exec", namespace, "nft", "add", "table", "inet", "carbide");
        must("ip", "netns", "exec", namespace, "nft", "add", "chain", "inet", "carbide", "input",
                "{ type filter hook input priority 0 ; }");
        return host;
    }

    /**
     * Lets a host send multicast on its lab link, and the bridge flood it to the other hosts. The
     * route names the lab link, the only one the namespace has: multicast never reaches the
     * machine's own interfaces (the bridge does not route, and the stacks send with a TTL of 1).
     */
    public void allowMulticast(Host host) {
        must("ip", "link", "set", bridge, "type", "bridge", "mcast_snooping", "0");
        must("ip", "netns", "exec", host.namespace(), "ip", "route", "add", "224.0.0.0/4", "dev", host.link());
    }

    /** The lab host with this address. */
    public Host hostOf(String address) {
        return hosts.values().stream().filter(h -> h.address().equals(address)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no lab host has address " + address));
    }

    /** What to put before a command so that it runs on this host. */
    public List<String> inside(Host host) {
        return List.of("ip", "netns", "exec", host.namespace());
    }

    /** Packets from every host of {@code from} to every host of {@code to} are dropped silently; with {@code symmetric}, both ways. */
    public void cut(List<Host> from, List<Host> to, boolean symmetric) {
        for (Host receiver : to) {
            for (Host sender : from) {
                drop(receiver, sender);
            }
        }
        if (symmetric) {
            for (Host receiver : from) {
                for (Host sender : to) {
                    drop(receiver, sender);
                }
            }
        }
    }

    private void drop(Host receiver, Host sender) {
        must("ip", "netns", "exec", receiver.namespace(), "nft", "add", "rule", "inet", "carbide", "input", "ip", "saddr",
                sender.address(), "drop");
    }

    /** Takes a host's link down: it reaches nobody, and nobody reaches it. */
    public void linkDown(Host host) {
        must("ip", "netns", "exec", host.namespace(), "ip", "link", "set", host.link(), "down");
    }

    /** Undoes every cut and link down. */
    public void heal() {
        for (Host host : hosts.values()) {
            must("ip", "netns", "exec", host.namespace(), "nft", "flush", "chain", "inet", "carbide", "input");
            must("ip", "netns", "exec", host.namespace(), "ip", "link", "set", host.link(), "up");
        }
    }

    /** Removes every namespace (with its links) and the bridge; never fails, so it can run after anything. */
    @Override
    public void close() {
        for (Host host : hosts.values()) {
            run(List.of("ip", "netns", "del", host.namespace()));
            run(List.of("ip", "link", "del", host.rootLink()));
        }
        hosts.clear();
        if (bridgeUp) {
            run(List.of("ip", "link", "del", bridge));
            bridgeUp = false;
        }
    }

    private static void must(String... command) {
        List<String> list = List.of(command);
        Result result = execute(list);
        if (result.code() != 0) {
            throw new IllegalStateException(String.join(" ", list) + " failed (" + result.code() + "): " + result.output());
        }
    }

    private static String run(List<String> command) {
        return execute(command).output();
    }

    private record Result(int code, String output) {
    }

    private static Result execute(List<String> command) {
        try {
            Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
