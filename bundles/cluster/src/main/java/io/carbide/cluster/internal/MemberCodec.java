package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.SubDomain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumSet;

/**
 * Encodes a member's self-description into the bytes it carries in its JGroups address, so every
 * member knows every other's sub-domains and URLs from the view alone, with no extra round trip.
 * Version 1: name, sub-domain bits, profile, client URL, management URL, version, start time;
 * version 2 appends the address of the managers' channel, version 3 that of the content port. Any
 * version from 1 up is read: fields
 * are only appended, and a reader skips those it does not know.
 */
final class MemberCodec {

    static final String ADDRESS_KEY = "carbide";
    private static final int VERSION = 3;

    private MemberCodec() {
    }

    static byte[] encode(ClusterMember member) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(member.name());
            int bits = 0;
            for (SubDomain subDomain : member.subDomains()) {
                bits |= 1 << subDomain.ordinal();
            }
            out.writeByte(bits);
            out.writeUTF(member.profile());
            out.writeUTF(member.clientUrl());
            out.writeUTF(member.managementUrl());
            out.writeUTF(member.version());
            out.writeLong(member.startedAt());
            out.writeUTF(member.managersAddress());
            out.writeUTF(member.contentAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IOException when the bytes are not a member description this node can read */
    static ClusterMember decode(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readUnsignedByte();
            if (version < 1) {
                throw new IOException("member description version " + version + " is not one any node writes");
            }
            String name = in.readUTF();
            int bits = in.readUnsignedByte();
            EnumSet<SubDomain> subDomains = EnumSet.noneOf(SubDomain.class);
            for (SubDomain subDomain : SubDomain.values()) {
                if ((bits & (1 << subDomain.ordinal())) != 0) {
                    subDomains.add(subDomain);
                }
            }
            String profile = in.readUTF();
            String clientUrl = in.readUTF();
            String managementUrl = in.readUTF();
            String nodeVersion = in.readUTF();
            long startedAt = in.readLong();
            String managersAddress = in.available() > 0 ? in.readUTF() : "";
            String contentAddress = in.available() > 0 ? in.readUTF() : "";
            return new ClusterMember(name, subDomains, profile, clientUrl, managementUrl, nodeVersion, startedAt,
                    managersAddress, contentAddress);
        }
    }
}
