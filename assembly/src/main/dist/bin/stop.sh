#!/usr/bin/env bash
# Stops the node running from a base: gracefully (SIGTERM), then forcibly after
# CARBIDE_STOP_TIMEOUT seconds (default 30).
#   bin/stop.sh -Dcarbide.base=nodes/w2
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/carbide-env.sh"
carbide_parse_args "$@"

if ! pid="$(carbide_running_pid)"; then
  echo "No Carbide node runs from $CARBIDE_BASE"
  exit 0
fi
timeout="${CARBIDE_STOP_TIMEOUT:-30}"
kill -TERM "$pid"
for _ in $(seq 1 $((timeout * 10))); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "Stopped Carbide node (pid $pid) from $CARBIDE_BASE"
    exit 0
  fi
  sleep 0.1
done
echo "carbide: node (pid $pid) did not stop within ${timeout} s; killing it" >&2
kill -KILL "$pid" 2>/dev/null || true
rm -f "$CARBIDE_PID_FILE"
exit 0
