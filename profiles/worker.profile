# Worker: serves client requests from the deployed artifacts. Read-only: it only receives
# artifacts and configuration from the manager, and carries no management bundles.
#
# Start a node with it:  bin/start.sh -Dprofile=worker
#
# Format: "key = value" lines, "#" starts a comment.
#   roles       worker and/or manager; a node without manager is read-only
#   features    "*" (every feature tagged with one of the roles) or a comma-separated list
#   property.X  sets framework property X for nodes of this profile
description = Serves client requests; read-only, no management bundles
roles = worker
features = *
