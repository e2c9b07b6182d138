# Default: worker and manager at once, read-write. A standalone node, and the "dual-mode" node
# of the single-cluster topology (behind both load balancers, with read-only workers beside it).
#
# Start a node with it:  bin/start.sh   (or -Dprofile=default)
# The format is described in worker.profile.
description = Worker and manager in one node (standalone or dual-mode); read-write
roles = worker, manager
features = *
