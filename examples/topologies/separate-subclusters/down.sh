#!/usr/bin/env bash
# Stops the nodes and the HAProxy that up.sh started.
. "$(dirname "${BASH_SOURCE[0]}")/../topology.sh"
down
