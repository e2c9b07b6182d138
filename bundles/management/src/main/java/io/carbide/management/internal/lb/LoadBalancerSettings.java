package io.carbide.management.internal.lb;

import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What the load balancer in front of the fleet is to do, from node properties. Nothing is
 * generated unless {@value #SERVICE_HOST} is set.
 *
 * @param serviceHost    the host name clients use for the service ({@value #SERVICE_HOST})
 * @param managementHost the host name operators use for the console and API, routed by SNI to the
 *                       managers' TLS port ({@value #MANAGEMENT_HOST}); empty: not routed
 * @param bind           the address the load balancer listens on ({@value #BIND}, default 127.0.0.1)
 * @param servicePort    its port for the service ({@value #SERVICE_PORT}, default 8080)
 * @param managementPort its port for the managers ({@value #MANAGEMENT_PORT}, default 8443)
 * @param reloadCommand  a shell command run after a file changed, with the file in
 *                       {@code CARBIDE_LB_HAPROXY}, {@code CARBIDE_LB_NGINX_HTTP} and
 *                       {@code CARBIDE_LB_NGINX_STREAM}
 *                       ({@value #RELOAD_COMMAND}); empty: the files are only written
 */
public record LoadBalancerSettings(String serviceHost, String managementHost, String bind, int servicePort,
        int managementPort, String reloadCommand) {

    public static final String SERVICE_HOST = "carbide.lb.serviceHost";
    public static final String MANAGEMENT_HOST = "carbide.lb.managementHost";
    public static final String BIND = "carbide.lb.bind";
    public static final String SERVICE_PORT = "carbide.lb.servicePort";
    public static final String MANAGEMENT_PORT = "carbide.lb.managementPort";
    public static final String RELOAD_COMMAND = "carbide.lb.reloadCommand";
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");

    /**
     * The settings, none when no load balancer property is set; a bad value, or load balancer
     * properties without the service host they all hang on, is a one-line error naming the property.
     */
    public static Optional<LoadBalancerSettings> from(Function<String, String> property) {
        String service = value(property, SERVICE_HOST, "");
        if (service.isEmpty()) {
            for (String other : new String[] {MANAGEMENT_HOST, BIND, SERVICE_PORT, MANAGEMENT_PORT, RELOAD_COMMAND}) {
                if (!value(property, other, "").isEmpty()) {
                    throw new IllegalArgumentException(other + " is set but " + SERVICE_HOST + " is not: name the "
                            + "host clients use for the service, or remove the carbide.lb properties");
                }
            }
            return Optional.empty();
        }
        String management = value(property, MANAGEMENT_HOST, "");
        for (String[] host : new String[][] {{SERVICE_HOST, service}, {MANAGEMENT_HOST, management}}) {
            if (!host[1].isEmpty() && !HOST.matcher(host[1]).matches()) {
                throw new IllegalArgumentException(host[0] + " = '" + host[1] + "' is not a host name");
            }
        }
        return Optional.of(new LoadBalancerSettings(service, management, value(property, BIND, "127.0.0.1"),
                port(property, SERVICE_PORT, 8080), port(property, MANAGEMENT_PORT, 8443),
                value(property, RELOAD_COMMAND, "")));
    }

    private static String value(Function<String, String> property, String name, String fallback) {
        String value = property.apply(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private static int port(Function<String, String> property, String name, int fallback) {
        String value = value(property, name, String.valueOf(fallback));
        try {
            int port = Integer.parseInt(value);
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name + " = '" + value + "' is not a port (1 to 65535)");
    }
}
