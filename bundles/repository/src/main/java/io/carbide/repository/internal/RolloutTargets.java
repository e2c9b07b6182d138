package io.carbide.repository.internal;

import io.carbide.deployment.NodeDeployment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The workers a staged rollout plans its waves over, and those it leaves out with the reason.
 *
 * <p>A worker is left out only when its last report says it follows another repository: it could
 * never apply the change, and its wave would only time out and halt. A worker that follows none so
 * far is counted: it takes the state of this repository's authority. So is one whose report has
 * not reached this manager (the manager waits a few seconds for it first): leaving it out would
 * hand it the change at the end without a wave of its own, the one thing a staged rollout promises
 * not to do; counting it, should it follow another repository after all, halts the rollout after
 * the wave's timeout, naming the worker, as any worker that cannot apply the change does. A worker
 * left out happened on a manager rebuilt from a snapshot: one worker's report had not reached it
 * when an operator started a rollout through it a second after a rollback.
 *
 * @param workers the workers to plan over, in the view's order
 * @param leftOut one line per worker left out, naming the repository it follows
 * @param unheard the workers counted whose report has not reached this manager
 */
record RolloutTargets(List<String> workers, List<String> leftOut, List<String> unheard) {

    static RolloutTargets of(Collection<String> inView, Collection<NodeDeployment> reports, String repositoryId) {
        Map<String, NodeDeployment> byNode = reports.stream()
                .collect(Collectors.toMap(NodeDeployment::node, Function.identity(), (a, b) -> b));
        List<String> workers = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        List<String> unheard = new ArrayList<>();
        for (String worker : inView) {
            NodeDeployment report = byNode.get(worker);
            if (report == null) {
                workers.add(worker);
                unheard.add(worker);
            } else if (report.repositoryId().isEmpty() || report.repositoryId().equals(repositoryId)) {
                workers.add(worker);
            } else {
                leftOut.add(worker + " follows repository " + report.repositoryId());
            }
        }
        return new RolloutTargets(List.copyOf(workers), List.copyOf(leftOut), List.copyOf(unheard));
    }
}
