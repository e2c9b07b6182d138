package io.carbide.management.internal.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalancerConfigTest {

    private static final ClusterMember MANAGER = new ClusterMember("mgr", Set.of(SubDomain.MGT), "manager",
            "http://127.0.0.1:9764", "https://127.0.0.1:9444", "0.1.0", 0, null, "");
    private static final ClusterMember W2 = new ClusterMember("w-2", Set.of(SubDomain.WORKER), "worker",
            "http://127.0.0.1:9766", null, "0.1.0", 0, null, "");
    private static final ClusterMember W1 = new ClusterMember("w-1", Set.of(SubDomain.WORKER), "worker",
            "http://127.0.0.1:9765", null, "0.1.0", 0, null, "");

    private static LoadBalancerSettings settings(Map<String, String> properties) {
        return LoadBalancerSettings.from(properties::get).orElseThrow();
    }

    @Test
    void theServiceGoesToEveryNodeThatServesClientsAndTheManagementHostToTheManagers() {
        ClusterView view = new ClusterView("carbide", 7, List.of(W2, MANAGER, W1), MANAGER, false);
        String haproxy = HaproxyConfig.render(settings(Map.of(LoadBalancerSettings.SERVICE_HOST, "shop.example",
                LoadBalancerSettings.MANAGEMENT_HOST, "ops.example")), Backends.of(view), "/run/lb/haproxy.sock", "# header\n");
        assertTrue(haproxy.contains("stats socket /run/lb/haproxy.sock mode 600 level admin expose-fd listeners"),
                "a reload takes over the listening sockets, so no connection waiting in them is lost:\n" + haproxy);
        assertTrue(haproxy.indexOf("server w-1 127.0.0.1:9765 check") < haproxy.indexOf("server w-2 127.0.0.1:9766 check"),
                "sorted, so one view always gives one file:\n" + haproxy);
        assertTrue(haproxy.contains("acl service_host hdr(host),field(1,:) -i shop.example"), haproxy);
        assertTrue(haproxy.contains("use_backend carbide_managers if { req.ssl_sni -i ops.example }"), haproxy);
        assertTrue(haproxy.contains("server mgr 127.0.0.1:9444 check"), haproxy);
        assertFalse(haproxy.contains("127.0.0.1:9764"), "a manager's client port gets no service traffic");
        String nginx = NginxConfig.http(settings(Map.of(LoadBalancerSettings.SERVICE_HOST, "shop.example")),
                Backends.of(view), "");
        assertTrue(nginx.contains("server 127.0.0.1:9765 max_fails=1 fail_timeout=2s; # w-1"), nginx);
        assertTrue(NginxConfig.stream(settings(Map.of(LoadBalancerSettings.SERVICE_HOST, "shop.example")),
                Backends.of(view), "").contains("no management host name configured"));
    }

    @Test
    void settingsAreOffUntilAServiceHostIsGivenAndABadValueNamesItsProperty() {
        assertEquals(Optional.empty(), LoadBalancerSettings.from(Map.<String, String>of()::get));
        assertEquals(8080, settings(Map.of(LoadBalancerSettings.SERVICE_HOST, "shop.example")).servicePort());
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class, () -> settings(Map.of(
                LoadBalancerSettings.SERVICE_HOST, "shop.example", LoadBalancerSettings.SERVICE_PORT, "eighty")));
        assertTrue(port.getMessage().startsWith("carbide.lb.servicePort = 'eighty'"), port.getMessage());
        IllegalArgumentException host = assertThrows(IllegalArgumentException.class,
                () -> settings(Map.of(LoadBalancerSettings.SERVICE_HOST, "shop example; evil")));
        assertTrue(host.getMessage().contains("is not a host name"), host.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> LoadBalancerSettings
                .from(Map.of(LoadBalancerSettings.RELOAD_COMMAND, "bin/haproxy-reload.sh")::get));
        assertTrue(missing.getMessage().startsWith("carbide.lb.reloadCommand is set but carbide.lb.serviceHost is not"),
                missing.getMessage());
    }
}
