package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMessage;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;

/**
 * The cluster at fleet scale, in one JVM (bench/fleet.sh): N members on the product's own cluster
 * stack ({@code conf/cluster/tcp.xml}: ClusterSeal sealing every message, MemberAuth proving every
 * join, the same failure detection and retransmission), with JGroups' NIO transport (TCP_NIO2) in
 * place of TCP, since a mesh of N members is N * (N - 1) connections and TCP gives each a thread.
 * Member 0 stands for the manager (every other member discovers it, as workers do); each member
 * answers an announcement the way a worker answers the manager's, with a unicast back.
 *
 * <p>It measures the time for all members to install the view after one more member joins and
 * after one leaves, and the time for one announcement (a 256-byte Carbide message sent to all) to
 * reach every member, and for every answer to reach the manager. It prints "key value" lines for
 * bench/run.sh's report, and a table.
 */
public final class FleetSimulation {

    private static final String DOMAIN = "fleet-sim";
    private static final byte[] SECRET = "a cluster secret of the simulated fleet, long and random"
            .getBytes(StandardCharsets.UTF_8);

    /** One member: its channel, and when it saw what. */
    private static final class Member implements Receiver {
        final int index;
        final JChannel channel;
        final Map<Integer, Long> viewSizeSeenAt = new ConcurrentHashMap<>();
        final AtomicLong announcementSeenAt = new AtomicLong();
        final AtomicLong answers = new AtomicLong();
        final AtomicLong lastAnswerAt = new AtomicLong();

        Member(int index, JChannel channel) {
            this.index = index;
            this.channel = channel;
        }

        @Override
        public void viewAccepted(View view) {
            viewSizeSeenAt.putIfAbsent(view.size(), System.nanoTime());
        }

        @Override
        public void receive(Message message) {
            try {
                Envelope envelope = Envelope.decode(message.getArray(), message.getOffset(), message.getLength());
                if (envelope.message().type().equals("sim.announce")) {
                    announcementSeenAt.set(System.nanoTime());
                    Envelope answer = new Envelope(Envelope.Kind.ONE_WAY, 0, new ClusterMessage("sim.report", 1,
                            new byte[64]));
                    channel.send(new BytesMessage(message.getSrc(), answer.encode()));
                } else if (envelope.message().type().equals("sim.report")) {
                    answers.incrementAndGet();
                    lastAnswerAt.set(System.nanoTime());
                }
            } catch (Exception e) {
                System.err.println("member " + index + ": " + e);
            }
        }
    }

    public static void main(String[] args) {
        try {
            simulate(args);
            System.exit(0);
        } catch (Exception | Error e) {
            System.err.println("fleet simulation: " + e.getMessage());
            System.exit(1); // JGroups' threads would keep the JVM, and its ports, alive
        }
    }

    private static void simulate(String[] args) throws Exception {
        int members = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path stackFile = Path.of(args.length > 1 ? args[1] : "conf/cluster/tcp.xml");
        int basePort = args.length > 2 ? Integer.parseInt(args[2]) : 23000;
        String detection = System.getProperty("fleet.detection", "");
        String join = System.getProperty("fleet.join", "");
        String template = Files.readString(stackFile)
                .replace("<TCP ", "<TCP_NIO2 max_send_buffers=\"" + System.getProperty("fleet.sendBuffers", "10") + "\" ")
                .replace("<FD_ALL3 timeout=\"8s\" interval=\"2s\"/>", detection.isEmpty()
                        ? "<FD_ALL3 timeout=\"8s\" interval=\"2s\"/>"
                        : "<FD_ALL3 timeout=\"" + detection.split(",")[0] + "\" interval=\"" + detection.split(",")[1] + "\"/>")
                .replace("<io.carbide.cluster.internal.GuardedFdSock2 ", "<io.carbide.cluster.internal.GuardedFdSock2 offset=\"1000\" ")
                .replace("join_timeout=\"500ms\" max_join_attempts=\"2\"", join.isEmpty()
                        ? "join_timeout=\"500ms\" max_join_attempts=\"2\""
                        : "join_timeout=\"" + join.split(",")[0] + "\" max_join_attempts=\"" + join.split(",")[1] + "\"")
                .replace("thread_pool.max_threads=\"32\"", "thread_pool.max_threads=\"8\"")
                // members that live and die with this one JVM have no earlier run to remember
                .replace("<io.carbide.cluster.internal.DiscoveryCache cache_dir=\"${carbide.cluster.discoveryCache}\"/>", "");
        KeySet keys = KeySet.of(ClusterKeys.derive(SECRET, DOMAIN));
        List<Member> fleet = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < members; i++) {
            fleet.add(join(template, basePort, i, keys));
            if ((i + 1) % 10 == 0) {
                System.err.printf("  %d members joined (%.1f s)%n", i + 1, (System.nanoTime() - started) / 1e9);
            }
        }
        awaitViews(fleet, members, 300_000);
        double assembled = (System.nanoTime() - started) / 1e9;

        // one more joins: until every member has installed the view of N + 1
        long joinAt = System.nanoTime();
        Member late = join(template, basePort, members, keys);
        fleet.add(late);
        long joinInstalled = awaitViews(fleet, members + 1, 120_000);
        double joinMs = (joinInstalled - joinAt) / 1e6;

        // one leaves (a clean leave, as stop.sh does): until every other member has installed the view of N
        Member leaving = fleet.remove(fleet.size() / 2);
        fleet.forEach(member -> member.viewSizeSeenAt.remove(members)); // seen on the way up: only the next one counts
        long leaveAt = System.nanoTime();
        leaving.channel.close();
        long leaveInstalled = awaitViews(fleet, members, 120_000);
        double leaveMs = (leaveInstalled - leaveAt) / 1e6;

        // announcements from the manager: until every member has it, and until every answer is back
        Member manager = fleet.get(0);
        List<Double> reach = new ArrayList<>();
        List<Double> answered = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            fleet.forEach(member -> member.announcementSeenAt.set(0));
            manager.answers.set(0);
            long sentAt = System.nanoTime();
            manager.channel.send(new BytesMessage(null, new Envelope(Envelope.Kind.ONE_WAY, 0,
                    new ClusterMessage("sim.announce", 1, new byte[256])).encode()));
            long deadline = System.currentTimeMillis() + 30_000;
            while (manager.answers.get() < fleet.size() - 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(1);
            }
            long last = 0;
            for (Member member : fleet.subList(1, fleet.size())) {
                last = Math.max(last, member.announcementSeenAt.get());
            }
            reach.add((last - sentAt) / 1e6);
            answered.add((manager.lastAnswerAt.get() - sentAt) / 1e6);
            Thread.sleep(200);
        }
        reach.sort(null);
        answered.sort(null);
        long rssKiB = rssKiB();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long fds = fileDescriptors();

        System.out.printf("fleet.members %d%n", members);
        System.out.printf("fleet.assemble_s %.1f%n", assembled);
        System.out.printf("fleet.join_view_ms %.0f%n", joinMs);
        System.out.printf("fleet.leave_view_ms %.0f%n", leaveMs);
        System.out.printf("fleet.announce_reach_ms %.1f %.1f %.1f%n", reach.get(2), reach.get(0), reach.get(4));
        System.out.printf("fleet.announce_answered_ms %.1f %.1f %.1f%n", answered.get(2), answered.get(0),
                answered.get(4));
        System.out.printf("fleet.rss_mib %d%n", rssKiB / 1024);
        System.out.printf("fleet.threads %d%n", threads);
        System.out.printf("fleet.open_files %d%n", fds);
        System.err.printf("%n  %d members in one JVM (TCP_NIO2, sealed, authenticated), assembled in %.1f s%n", members,
                assembled);
        System.err.printf("  %-44s %10s%n", "what", "ms");
        System.err.printf("  %-44s %10.0f%n", "view of N+1 on every member after a join", joinMs);
        System.err.printf("  %-44s %10.0f%n", "view of N on every member after a leave", leaveMs);
        System.err.printf("  %-44s %10.1f%n", "announcement on every member (median of 5)", reach.get(2));
        System.err.printf("  %-44s %10.1f%n", "every member's answer back (median of 5)", answered.get(2));
        System.err.printf("  RSS %d MiB, %d threads, %d open files%n", rssKiB / 1024, threads, fds);
        for (Member member : fleet) {
            member.channel.close();
        }
    }

    private static Member join(String template, int basePort, int index, KeySet keys) throws Exception {
        String xml = template.replace("${carbide.cluster.bindAddress}", "127.0.0.1")
                .replace("${carbide.cluster.port}", String.valueOf(basePort + index))
                .replace("${carbide.cluster.wellKnownMembers}", "127.0.0.1[" + basePort + "]");
        JChannel channel;
        ClusterSeal.KEYS.set(new ClusterSeal.Keying("cluster", () -> keys));
        try {
            channel = new JChannel(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } finally {
            ClusterSeal.KEYS.remove();
        }
        org.jgroups.protocols.AUTH auth = channel.getProtocolStack().findProtocol(org.jgroups.protocols.AUTH.class);
        ((SharedSecretToken) auth.getAuthToken()).configure(() -> keys, DOMAIN);
        Member member = new Member(index, channel);
        channel.name(index == 0 ? "mgr" : "w" + index);
        channel.setDiscardOwnMessages(true);
        channel.setReceiver(member);
        channel.connect(DOMAIN);
        return member;
    }

    /** The moment the last member saw a view of {@code size}. */
    private static long awaitViews(List<Member> fleet, int size, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        long nextReport = System.currentTimeMillis() + 15_000;
        while (true) {
            if (System.currentTimeMillis() > nextReport) {
                nextReport += 15_000;
                Map<Integer, Integer> sizes = new java.util.TreeMap<>();
                fleet.forEach(member -> sizes.merge(member.channel.getView().size(), 1, Integer::sum));
                System.err.println("  waiting for views of " + size + "; members by view size: " + sizes);
            }
            long last = 0;
            boolean all = true;
            for (Member member : fleet) {
                Long seen = member.viewSizeSeenAt.get(size);
                if (seen == null || member.channel.getView().size() != size) {
                    all = false;
                    break;
                }
                last = Math.max(last, seen);
            }
            if (all) {
                return last;
            }
            if (System.currentTimeMillis() > deadline) {
                Map<Integer, Integer> sizes = new java.util.TreeMap<>();
                fleet.forEach(member -> sizes.merge(member.channel.getView().size(), 1, Integer::sum));
                throw new IllegalStateException("not every member installed a view of " + size + " within "
                        + timeoutMillis + " ms; members by the size of the view they have: " + sizes);
            }
            Thread.sleep(5);
        }
    }

    private static long rssKiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    private static long fileDescriptors() throws Exception {
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            return list.count();
        }
    }

    private FleetSimulation() {
    }
}
