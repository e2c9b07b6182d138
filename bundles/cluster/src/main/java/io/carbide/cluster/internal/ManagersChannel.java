package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import io.carbide.node.NodeIdentity;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.RaftHandle;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.Util;

/**
 * The managers' own JGroups channel with RAFT on it, built from {@code conf/cluster/managers.xml}:
 * the same encryption and authentication as the cluster channel, admission of the voting managers
 * only, and discovery of exactly those, at the addresses their cluster descriptions carry.
 */
final class ManagersChannel implements AutoCloseable {

    private final ManagersSettings settings;
    private final Supplier<List<String>> members;
    private final JChannel channel;
    private final RaftHandle raft;
    private final REDIRECT redirect;

    /**
     * Builds the channel (not yet connected).
     *
     * @param members the voting managers now: only they are admitted and asked
     */
    ManagersChannel(NodeIdentity node, ManagersSettings settings, ClusterView view, ConsensusLog log, Supplier<KeySet> keys,
            Supplier<List<String>> members, org.jgroups.Receiver receiver) throws Exception {
        this.settings = settings;
        this.members = members;
        JChannel created;
        ClusterSeal.KEYS.set(new ClusterSeal.Keying("managers", keys));
        try {
            created = new JChannel(new ByteArrayInputStream(StackFile.read(settings.stackFile(), Map.of(
                    "${carbide.managers.bindAddress}", settings.bindAddress(),
                    "${carbide.managers.port}", String.valueOf(settings.port()),
                    "${carbide.managers.initialHosts}", String.join(",", initialHosts(view)),
                    "${carbide.managers.members}", String.join(",", settings.members()),
                    "${carbide.managers.raftId}", node.name(),
                    "${carbide.managers.logDir}", settings.dataDir().toString()))));
        } finally {
            ClusterSeal.KEYS.remove();
        }
        try {
            AUTH auth = created.getProtocolStack().findProtocol(AUTH.class);
            if (!(created.getProtocolStack().getBottomProtocol().getUpProtocol() instanceof ClusterSeal)
                    || !(auth instanceof MemberAuth admission) || !(auth.getAuthToken() instanceof SharedSecretToken token)) {
                throw new IllegalStateException("stack " + settings.stackFile() + " must keep ClusterSeal first above "
                        + "the transport, and MemberAuth, as the cluster stack does");
            }
            token.configure(keys, settings.channelName());
            // only voting managers share this channel: a manager of another consensus must never see its log
            admission.admitOnly(name -> members.get().contains(name) ? null : name + " is not one of the voting "
                    + "managers " + members.get() + "; if it should be, add it on one of them (POST /api/managers "
                    + "{\"add\": \"" + name + "\"})");
            Files.createDirectories(settings.dataDir());
            ClusterMember self = new ClusterMember(node.name(), Set.of(SubDomain.MGT), node.profile(), "", "",
                    node.version(), System.currentTimeMillis(), "", "");
            created.name(node.name());
            created.addAddressGenerator(() -> ExtendedUUID.randomUUID(node.name())
                    .put(MemberCodec.ADDRESS_KEY, MemberCodec.encode(self)));
            this.raft = new RaftHandle(created, log);
            created.setReceiver(receiver);
            if (members.get().size() == 1) {
                // nobody to discover: do not wait the join timeout for answers that cannot come
                created.getProtocolStack().<GMS>findProtocol(GMS.class).setJoinTimeout(20);
            }
            this.redirect = created.getProtocolStack().findProtocol(REDIRECT.class);
            this.channel = created;
        } catch (Exception e) {
            created.close();
            throw e;
        }
    }

    void connect() throws Exception {
        channel.connect(settings.channelName());
        JGroupsCluster.printAddressesByName(); // RAFT prints addresses its own way, for every channel
    }

    RaftHandle raft() {
        return raft;
    }

    REDIRECT redirect() {
        return redirect;
    }

    org.jgroups.View view() {
        return channel.getView();
    }

    /** The raft ids of the members of this channel's view. */
    List<String> present() {
        List<String> present = new ArrayList<>();
        org.jgroups.View view = channel.getView();
        if (view != null) {
            for (Address address : view.getMembers()) {
                present.add(raftId(address));
            }
        }
        return present;
    }

    static String raftId(Address address) {
        if (address instanceof ExtendedUUID extended && extended.keyExists(RAFT.raft_id_key)) {
            return Util.bytesToString(extended.get(RAFT.raft_id_key));
        }
        return String.valueOf(address);
    }

    /**
     * Managers' channel addresses, {@code host[port]}, of the voting managers in the cluster view,
     * this one first: a manager of another consensus in the same cluster domain is never asked.
     */
    private List<String> initialHosts(ClusterView view) {
        Set<String> hosts = new LinkedHashSet<>();
        hosts.add(settings.bindAddress() + "[" + settings.port() + "]");
        List<String> voting = members.get();
        for (ClusterMember member : view.in(SubDomain.MGT)) {
            int colon = member.managersAddress().lastIndexOf(':');
            if (voting.contains(member.name()) && colon > 0) {
                hosts.add(member.managersAddress().substring(0, colon) + "[" + member.managersAddress().substring(colon + 1)
                        + "]");
            }
        }
        return List.copyOf(hosts);
    }

    /** The cluster view or the voting members changed: discovery asks exactly the voting managers it shows. */
    void follow(ClusterView view) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (String host : initialHosts(view)) {
            int bracket = host.indexOf('[');
            hosts.add(new InetSocketAddress(host.substring(0, bracket),
                    Integer.parseInt(host.substring(bracket + 1, host.length() - 1))));
        }
        TCPPING discovery = channel.getProtocolStack().findProtocol(TCPPING.class);
        if (discovery != null) {
            discovery.setInitialHosts(hosts);
        }
    }

    @Override
    public void close() {
        channel.close();
    }
}
