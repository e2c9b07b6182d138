# Manager: owns the deploy folder, the artifact repository and the configuration, hosts the
# management API and console, and replicates to the workers. It serves no client traffic from
# deployed artifacts.
#
# Start a node with it:  bin/start.sh -Dprofile=manager
# The format is described in worker.profile.
description = Deploys and configures artifacts, replicates them to workers; read-write
roles = manager
features = *
