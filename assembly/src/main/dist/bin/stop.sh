#!/usr/bin/env bash
# Stops the node running from a base: gracefully (SIGTERM: a node that serves clients drains first,
# carbide.drain.seconds, default 5), then forcibly after the drain plus CARBIDE_STOP_TIMEOUT
# seconds (default 30).
#   bin/stop.sh -Dcarbide.base=nodes/w2
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/carbide-env.sh"
carbide_parse_args "$@"

if ! pid="$(carbide_running_pid)"; then
  echo "No Carbide node runs from $CARBIDE_BASE"
  exit 0
fi
# a node that serves clients first drains (status.json: drainSeconds), then has 30 s to stop
drain=0
if [ "$(carbide_status_field pid || true)" = "$pid" ]; then   # the status of this node, not an earlier one
  drain="$(carbide_status_field drainSeconds || true)"
fi
case "$drain" in ''|*[!0-9]*) drain=0 ;; esac
grace="${CARBIDE_STOP_TIMEOUT:-30}"
case "$grace" in ''|*[!0-9]*) echo "carbide: CARBIDE_STOP_TIMEOUT='$grace' is not a number of seconds; 30 is used" >&2; grace=30 ;; esac
timeout=$(( grace + drain ))
[ "$drain" -gt 0 ] && echo "Draining Carbide node (pid $pid) for $drain s: /health answers 503, requests are still served"
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
