#!/usr/bin/env bash
# Single cluster with two load balancers, here one HAProxy playing both: a default node (worker and
# manager, dual-mode) and two read-only workers that know it as their well-known member. The
# service host reaches all three; the management host only the default node.
. "$(dirname "${BASH_SOURCE[0]}")/../topology.sh"
require
# shellcheck disable=SC2046
start_node node-1 default 1 $(lb_options)
for i in 2 3; do
  start_node "w-$i" worker "$i" "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[4001]"
done
cp "$DIST/../../../../examples/static-site/target/hello-site.zip" "$NODES/node-1/deploy/" 2>/dev/null \
  || echo "(no example site found to deploy; drop your own into $NODES/node-1/deploy/)"
await_lb node-1
print_usage node-1
