package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMember;
import java.io.IOException;
import java.util.Optional;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.AuthHeader;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.util.ExtendedUUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGroups' AUTH, which makes a joining node prove it holds the cluster secret (with
 * {@link SharedSecretToken}: one proof per request, bound to its addresses), plus one rule of Carbide's: node names are unique in a domain. A
 * join from a node whose name is already taken by another member of the view is refused with a
 * reason that names that member's address, so the joining node can say why; messages to a member
 * go by name, and two nodes sharing one would receive each other's.
 *
 * <p>A node killed and restarted at once may find its earlier self still in the view for a
 * moment: it is refused too, and joins on its next attempt, once the failure detector has
 * removed the dead one.
 *
 * <p>A channel may admit only some names ({@link #admitOnly}): the managers' channel admits the
 * voting managers alone, so that a manager of another consensus never shares their log.
 */
public class MemberAuth extends AUTH {

    private static final Logger LOG = LoggerFactory.getLogger(MemberAuth.class);

    /** Says why a name may not join, or null when it may. */
    public interface Admission {
        String refusal(String name);
    }

    private volatile Admission admission = name -> null;

    /** From now on, joins and merges are refused for the names {@code admission} refuses. */
    void admitOnly(Admission admission) {
        this.admission = admission;
    }

    public MemberAuth() {
        // JGroups numbers protocols by class; this one speaks AUTH's headers, so it takes its number
        this.id = ClassConfigurator.getProtocolId(AUTH.class);
    }

    /** Each join or merge request carries a proof of its own, bound to its two addresses. */
    @Override
    public Object down(Message message) {
        GMS.GmsHeader header = message.getHeader(ClassConfigurator.getProtocolId(GMS.class));
        if (header != null && needsAuthentication(message, header) && auth_token instanceof SharedSecretToken token) {
            message.putHeader(this.id, new AuthHeader(token.boundTo(local_addr, message.getDest())));
            return down_prot.down(message);
        }
        return super.down(message);
    }

    /** A merge refused for a name not admitted carries a proof bound like any other, or the merge leader waits it out. */
    @Override
    protected void sendMergeRejectionMessage(Address dest) {
        GMS.GmsHeader header = new GMS.GmsHeader(GMS.GmsHeader.MERGE_RSP).setMergeRejected(true);
        Message refusal = new org.jgroups.EmptyMessage(dest).setFlag(Message.Flag.OOB)
                .putHeader(ClassConfigurator.getProtocolId(GMS.class), header);
        if (authenticate_coord && auth_token instanceof SharedSecretToken token) {
            refusal.putHeader(this.id, new AuthHeader(token.boundTo(local_addr, dest)));
        }
        down_prot.down(refusal);
    }

    @Override
    protected boolean handleAuthHeader(GMS.GmsHeader header, AuthHeader auth, Message message) {
        if (!super.handleAuthHeader(header, auth, message)) {
            return false;
        }
        boolean join = header.getType() == GMS.GmsHeader.JOIN_REQ
                || header.getType() == GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER;
        if (!join && header.getType() != GMS.GmsHeader.MERGE_REQ) {
            return true;
        }
        String notAdmitted = name(message.getSrc()).map(admission::refusal).orElse(null);
        if (notAdmitted != null) {
            LOG.warn("Refused {} into {}: {}", name(message.getSrc()).orElse("?"), join ? "the channel" : "a merge",
                    notAdmitted);
            sendRejectionMessage(header.getType(), message.getSrc(), notAdmitted);
            return false;
        }
        if (!join) {
            return true;
        }
        Optional<String> clash = nameClash(message.getSrc());
        if (clash.isEmpty()) {
            return true;
        }
        LOG.warn("Refused {} into the cluster domain: {}", name(message.getSrc()).orElse(String.valueOf(message.getSrc())),
                clash.get());
        sendJoinRejectionMessage(message.getSrc(), clash.get());
        return false;
    }

    /** Why the joiner's name cannot be admitted: another member of the view carries it. */
    private Optional<String> nameClash(Address joiner) {
        Optional<String> name = name(joiner);
        GMS gms = getProtocolStack().findProtocol(GMS.class);
        View view = gms == null ? null : gms.view();
        if (name.isEmpty() || view == null) {
            return Optional.empty();
        }
        for (Address member : view.getMembers()) {
            if (!member.equals(joiner) && name.equals(name(member))) {
                Object physical = down(new Event(Event.GET_PHYSICAL_ADDRESS, member));
                return Optional.of("the name " + name.get() + " is taken by the member at "
                        + (physical == null ? member : physical) + describe(member)
                        + "; give this node another -Dnode=NAME, or wait until that member has left");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> name(Address address) {
        return member(address).map(ClusterMember::name);
    }

    private static String describe(Address address) {
        return member(address).map(m -> " (client port " + m.clientUrl() + ")").orElse("");
    }

    private static Optional<ClusterMember> member(Address address) {
        if (address instanceof ExtendedUUID extended && extended.keyExists(MemberCodec.ADDRESS_KEY)) {
            try {
                return Optional.of(MemberCodec.decode(extended.get(MemberCodec.ADDRESS_KEY)));
            } catch (IOException unreadable) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
