package io.carbide.management.internal.lb;

/**
 * nginx's configuration for the fleet, the same routing as {@link HaproxyConfig}: the service host
 * to every node that serves clients, the management host by SNI ({@code ssl_preread}, the stream
 * module, Debian's {@code libnginx-mod-stream}) to the managers' TLS port. nginx without a
 * commercial licence checks nothing by itself: it only notices a dead node when a request to it
 * fails, and then tries the next one ({@code proxy_next_upstream}). So the file lists only the
 * nodes the manager's {@code /health} probes find ready ({@link ReadyList}), and is rewritten (and
 * nginx reloaded) when that changes.
 */
final class NginxConfig {

    private NginxConfig() {
    }

    /** The service: to include in nginx's {@code http} block. */
    static String http(LoadBalancerSettings settings, Backends backends, String header) {
        StringBuilder out = new StringBuilder(header);
        out.append("# include in nginx's http { } block\n");
        out.append("upstream carbide_workers {\n");
        if (backends.service().isEmpty()) {
            out.append("    server 127.0.0.1:1 down; # no node serves clients right now\n");
        }
        for (Backends.Server server : backends.service()) {
            out.append("    server ").append(server.host()).append(':').append(server.port())
                    .append(" max_fails=1 fail_timeout=2s; # ").append(server.name()).append('\n');
        }
        out.append("}\n");
        out.append("server {\n");
        out.append("    listen ").append(settings.bind()).append(':').append(settings.servicePort()).append(";\n");
        out.append("    server_name ").append(settings.serviceHost()).append(";\n");
        out.append("    location / {\n");
        out.append("        proxy_pass http://carbide_workers;\n");
        out.append("        proxy_set_header Host $host;\n");
        // nodes answer /metrics only to whoever reaches their client port directly, not through here
        out.append("        proxy_set_header X-Carbide-Balancer nginx;\n");
        out.append("        proxy_next_upstream error timeout http_503;\n");
        out.append("    }\n");
        out.append("}\n");
        out.append("server {\n");
        out.append("    listen ").append(settings.bind()).append(':').append(settings.servicePort()).append(" default_server;\n");
        out.append("    return 404 \"unknown host; use ").append(settings.serviceHost()).append("\\n\";\n");
        out.append("}\n");
        return out.toString();
    }

    /** The managers, by SNI: to include in nginx's {@code stream} block (empty without a management host). */
    static String stream(LoadBalancerSettings settings, Backends backends, String header) {
        StringBuilder out = new StringBuilder(header);
        out.append("# include in nginx's stream { } block\n");
        if (settings.managementHost().isEmpty()) {
            return out.append("# no management host name configured (carbide.lb.managementHost)\n").toString();
        }
        out.append("upstream carbide_managers {\n");
        if (backends.management().isEmpty()) {
            out.append("    server 127.0.0.1:1 down;\n");
        }
        for (Backends.Server server : backends.management()) {
            out.append("    server ").append(server.host()).append(':').append(server.port()).append("; # ")
                    .append(server.name()).append('\n');
        }
        out.append("}\n");
        out.append("map $ssl_preread_server_name $carbide_management {\n");
        out.append("    ").append(settings.managementHost()).append(" carbide_managers;\n");
        out.append("    default 127.0.0.1:1;\n");
        out.append("}\n");
        out.append("server {\n");
        out.append("    listen ").append(settings.bind()).append(':').append(settings.managementPort()).append(";\n");
        out.append("    ssl_preread on;\n");
        out.append("    proxy_pass $carbide_management;\n");
        out.append("}\n");
        return out.toString();
    }
}
