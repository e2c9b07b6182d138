package io.carbide.management.internal.lb;

/**
 * HAProxy's configuration for the fleet: the service host name, by its Host header, to every node
 * that serves clients, each checked on {@code GET /health} every second and taken out after two
 * failures (so starting, lagging, draining and refused nodes get no traffic); the management host
 * name, by the SNI of the TLS hello, passed through unopened to the managers' own TLS port, so the
 * load balancer holds no key. Any other host gets 404. The admin socket hands the listening
 * sockets to the next process on a reload ({@code expose-fd listeners}, used by
 * {@code bin/haproxy-reload.sh}), so no connection waiting to be accepted is lost.
 */
final class HaproxyConfig {

    private HaproxyConfig() {
    }

    /** The configuration; {@code adminSocket} null leaves the admin socket out (a path too long for one). */
    static String render(LoadBalancerSettings settings, Backends backends, String adminSocket, String header) {
        StringBuilder out = new StringBuilder();
        out.append(header);
        out.append("global\n");
        out.append("    maxconn 4096\n");
        if (adminSocket != null) {
            out.append("    stats socket ").append(adminSocket).append(" mode 600 level admin expose-fd listeners\n");
        }
        out.append('\n');
        out.append("""
                defaults
                    timeout connect 2s
                    timeout client 60s
                    timeout server 60s
                    option redispatch
                    retries 2

                """);
        out.append("frontend carbide_service\n");
        out.append("    mode http\n");
        out.append("    bind ").append(settings.bind()).append(':').append(settings.servicePort()).append('\n');
        out.append("    acl service_host hdr(host),field(1,:) -i ").append(settings.serviceHost()).append('\n');
        // nodes answer /metrics only to whoever reaches their client port directly, not through here
        out.append("    http-request set-header X-Carbide-Balancer haproxy\n");
        out.append("    use_backend carbide_workers if service_host\n");
        out.append("    http-request return status 404 content-type text/plain string \"unknown host; use ")
                .append(settings.serviceHost()).append("\\n\" unless service_host\n\n");
        out.append("backend carbide_workers\n");
        out.append("    mode http\n");
        out.append("    balance roundrobin\n");
        out.append("    option httpchk GET /health\n");
        out.append("    http-check expect status 200\n");
        out.append("    default-server inter 1s fall 2 rise 1\n");
        for (Backends.Server server : backends.service()) {
            out.append("    server ").append(server.name()).append(' ').append(server.host()).append(':')
                    .append(server.port()).append(" check\n");
        }
        if (!settings.managementHost().isEmpty()) {
            out.append('\n');
            out.append("frontend carbide_management\n");
            out.append("    mode tcp\n");
            out.append("    bind ").append(settings.bind()).append(':').append(settings.managementPort()).append('\n');
            out.append("    tcp-request inspect-delay 5s\n");
            out.append("    tcp-request content accept if { req_ssl_hello_type 1 }\n");
            out.append("    use_backend carbide_managers if { req.ssl_sni -i ").append(settings.managementHost())
                    .append(" }\n\n");
            out.append("backend carbide_managers\n");
            out.append("    mode tcp\n");
            out.append("    default-server inter 2s fall 2 rise 1\n");
            for (Backends.Server server : backends.management()) {
                out.append("    server ").append(server.name()).append(' ').append(server.host()).append(':')
                        .append(server.port()).append(" check\n");
            }
        }
        return out.toString();
    }
}
