package io.carbide.cluster.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterView;
import io.carbide.cluster.SubDomain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How a view reads in the log, in status.sh --json and in /health. */
final class ViewDescriptions {

    private ViewDescriptions() {
    }

    /** {@code Cluster domain carbide: 3 members [mgr-1 (mgt, authority), w-1 (worker), w-2 (worker)]} */
    static String logLine(ClusterView view) {
        String members = view.members().stream().map(m -> m.name() + " (" + subDomains(m)
                + (view.authority().filter(a -> a.name().equals(m.name())).isPresent() ? ", authority" : "") + ")")
                .collect(Collectors.joining(", "));
        return "Cluster domain " + view.domain() + ": " + view.members().size()
                + (view.members().size() == 1 ? " member [" : " members [") + members + "]"
                + (view.merged() ? " (merged after a partition)" : "")
                + (view.authority().isEmpty() ? " (no manager: nothing is replicated until one joins)" : "");
    }

    static String subDomains(ClusterMember member) {
        return member.subDomains().stream().map(SubDomain::label).collect(Collectors.joining(", "));
    }

    static Map<String, Object> status(ClusterView view, String state) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("domain", view.domain());
        status.put("state", state);
        status.put("viewId", view.id());
        status.put("authority", view.authority().map(ClusterMember::name).orElse(null));
        List<Map<String, Object>> members = new ArrayList<>();
        for (ClusterMember member : view.members()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", member.name());
            entry.put("subDomains", member.subDomains().stream().map(SubDomain::label).toList());
            entry.put("profile", member.profile());
            entry.put("clientUrl", member.clientUrl());
            if (!member.managementUrl().isEmpty()) {
                entry.put("managementUrl", member.managementUrl());
            }
            entry.put("version", member.version());
            entry.put("authority", view.authority().filter(a -> a.name().equals(member.name())).isPresent());
            entry.put("self", member.name().equals(view.self().name()));
            members.add(entry);
        }
        status.put("members", members);
        return status;
    }
}
