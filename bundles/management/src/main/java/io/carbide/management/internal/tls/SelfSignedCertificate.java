package io.carbide.management.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Builds a self-signed X.509 v3 certificate for an EC P-256 key pair with the JDK's public APIs
 * only. The JDK can sign but has no public certificate builder, and running keytool would cost
 * every new manager a second JVM start; the DER written here is small and fixed: subject = issuer
 * = CN, a validity period, the key, and a subjectAltName with the names clients connect by.
 */
final class SelfSignedCertificate {

    private static final byte[] ECDSA_WITH_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);
    private static final byte[] COMMON_NAME = oid(2, 5, 4, 3);
    private static final byte[] ORGANIZATION = oid(2, 5, 4, 10);
    private static final byte[] SUBJECT_ALT_NAME = oid(2, 5, 29, 17);
    private static final byte[] BASIC_CONSTRAINTS = oid(2, 5, 29, 19);

    private SelfSignedCertificate() {
    }

    static X509Certificate create(KeyPair keys, String commonName, List<String> dnsNames,
            List<InetAddress> addresses, Instant notBefore, Instant notAfter) throws GeneralSecurityException {
        byte[] algorithm = sequence(ECDSA_WITH_SHA256);
        byte[] name = sequence(
                set(sequence(ORGANIZATION, tlv(0x0C, "Carbide".getBytes(StandardCharsets.UTF_8)))),
                set(sequence(COMMON_NAME, tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
        ByteArrayOutputStream altNames = new ByteArrayOutputStream();
        for (String dns : dnsNames) {
            altNames.writeBytes(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII))); // [2] dNSName
        }
        for (InetAddress address : addresses) {
            altNames.writeBytes(tlv(0x87, address.getAddress())); // [7] iPAddress
        }
        byte[] extensions = tlv(0xA3, sequence( // [3] extensions
                sequence(SUBJECT_ALT_NAME, tlv(0x04, tlv(0x30, altNames.toByteArray()))),
                // cA=false: the certificate identifies this server and can sign nothing else
                sequence(BASIC_CONSTRAINTS, tlv(0x01, new byte[] {(byte) 0xFF}), tlv(0x04, sequence()))));
        byte[] serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE).toByteArray();
        byte[] tbs = sequence(
                tlv(0xA0, tlv(0x02, new byte[] {2})), // [0] version v3
                tlv(0x02, serial),
                algorithm,
                name,
                sequence(time(notBefore), time(notAfter)),
                name,
                keys.getPublic().getEncoded(), // already a DER SubjectPublicKeyInfo
                extensions);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(keys.getPrivate());
        signer.update(tbs);
        byte[] signature = signer.sign();
        byte[] bitString = new byte[signature.length + 1]; // leading 0: no unused bits
        System.arraycopy(signature, 0, bitString, 1, signature.length);
        byte[] der = sequence(tbs, algorithm, tlv(0x03, bitString));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    /** UTCTime up to 2049, GeneralizedTime after, as RFC 5280 requires. */
    private static byte[] time(Instant instant) {
        boolean utc = instant.atZone(ZoneOffset.UTC).getYear() < 2050;
        String text = DateTimeFormatter.ofPattern(utc ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'")
                .withZone(ZoneOffset.UTC).format(instant);
        return tlv(utc ? 0x17 : 0x18, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] sequence(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tlv(0x31, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Tag, DER length (short or long form), value. */
    static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int length = value.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xFFFFFF ? 4 : length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** An OBJECT IDENTIFIER: the first two arcs in one byte, the rest base-128. */
    static byte[] oid(int... arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(40 * arcs[0] + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int arc = arcs[i];
            int groups = 1;
            for (int v = arc >>> 7; v > 0; v >>>= 7) {
                groups++;
            }
            for (int g = groups - 1; g >= 0; g--) {
                int bits = (arc >>> (7 * g)) & 0x7F;
                out.write(g > 0 ? bits | 0x80 : bits);
            }
        }
        return tlv(0x06, out.toByteArray());
    }
}
