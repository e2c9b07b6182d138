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

    /** {@code Cluster domain carbide: 3 members [mgr-1 (mgt), w-1 (worker), w-2 (worker)]} */
    static String logLine(ClusterView view) {
        String members = view.members().stream().map(m -> m.name() + " (" + subDomains(m) + ")")
                .collect(Collectors.joining(", "));
        return "Cluster domain " + view.domain() + ": " + view.members().size()
                + (view.members().size() == 1 ? " member [" : " members [") + members + "]"
                + (view.merged() ? " (merged after a partition)" : "")
                + (view.in(SubDomain.MGT).isEmpty() ? " (no manager: nothing is replicated until one joins)" : "");
    }

    static String subDomains(ClusterMember member) {
        return member.subDomains().stream().map(SubDomain::label).collect(Collectors.joining(", "));
    }

    static Map<String, Object> status(ClusterView view, String state, String problem) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("domain", view.domain());
        status.put("state", state);
        if (!problem.isEmpty()) {
            status.put("problem", problem);
        }
        status.put("viewId", view.id());
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
            entry.put("self", member.name().equals(view.self().name()));
            members.add(entry);
        }
        status.put("members", members);
        return status;
    }
}
