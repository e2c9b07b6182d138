#!/usr/bin/env bash
# Separate sub-clusters with one load balancer: a manager (mgt sub-domain) and two workers (worker
# sub-domain) behind HAProxy, which the manager configures and reloads as nodes come and go.
. "$(dirname "${BASH_SOURCE[0]}")/../topology.sh"
require
# shellcheck disable=SC2046
start_node mgr-1 manager 1 $(lb_options)
for i in 1 2; do
  start_node "w-$i" worker $((i + 1)) "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[4001]"
done
cp "$DIST/../../../../examples/static-site/target/hello-site.zip" "$NODES/mgr-1/deploy/" 2>/dev/null \
  || echo "(no example site found to deploy; drop your own into $NODES/mgr-1/deploy/)"
await_lb mgr-1
print_usage mgr-1
