package io.carbide.management.internal.directory;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * The TLS sockets the JDK's LDAP client opens for {@code ldaps://} URLs: it takes a socket factory
 * only as a class name with a static {@code getDefault()} (property
 * {@code java.naming.ldap.factory.socket}), so the one {@link LdapDirectory} built from
 * {@code carbide.ldap.trustedCertificates} is kept here. Public for that client alone.
 */
public final class DirectorySocketFactory {

    private static volatile SSLSocketFactory current = (SSLSocketFactory) SSLSocketFactory.getDefault();

    private DirectorySocketFactory() {
    }

    static void use(SSLSocketFactory sockets) {
        current = sockets;
    }

    /** Called by the JDK's LDAP client, by reflection. */
    public static SocketFactory getDefault() {
        return current;
    }
}
