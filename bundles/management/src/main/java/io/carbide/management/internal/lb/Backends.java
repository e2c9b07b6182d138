package io.carbide.management.internal.lb;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The nodes a load balancer sends to, from a cluster view: every node that serves clients (the
 * worker sub-domain: workers and default nodes) for the service, every node with a management
 * port for the management host. Sorted by name, so the same view always gives the same file.
 */
record Backends(List<Server> service, List<Server> management) {

    /** One node: its name (safe in any configuration file), host and port. */
    record Server(String name, String host, int port) {
    }

    static Backends of(ClusterView view) {
        List<Server> service = new ArrayList<>();
        List<Server> management = new ArrayList<>();
        for (ClusterMember member : view.members()) {
            if (member.isIn(SubDomain.WORKER) && member.clientUrl() != null) {
                service.add(server(member.name(), member.clientUrl()));
            }
            if (member.managementUrl() != null && !member.managementUrl().isBlank()) {
                management.add(server(member.name(), member.managementUrl()));
            }
        }
        service.sort(Comparator.comparing(Server::name));
        management.sort(Comparator.comparing(Server::name));
        return new Backends(List.copyOf(service), List.copyOf(management));
    }

    private static Server server(String name, String url) {
        URI uri = URI.create(url);
        return new Server(name.replaceAll("[^A-Za-z0-9._-]", "_"), uri.getHost(), uri.getPort());
    }
}
