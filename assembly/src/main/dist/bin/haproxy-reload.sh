#!/bin/sh
# A reload command for a manager that keeps HAProxy's configuration (carbide.lb.reloadCommand):
# checks the file the manager wrote, then starts HAProxy as a daemon, or hands over to a new
# process (-sf: the old one finishes its connections and exits). The pid file sits beside the file.
#   -Dcarbide.lb.reloadCommand=/path/to/carbide/bin/haproxy-reload.sh
set -e
: "${CARBIDE_LB_HAPROXY:?run by a manager: CARBIDE_LB_HAPROXY names the configuration it keeps}"
pids="$(dirname "$CARBIDE_LB_HAPROXY")/haproxy.pid"
haproxy -c -q -f "$CARBIDE_LB_HAPROXY"
if [ -s "$pids" ]; then
  exec haproxy -D -f "$CARBIDE_LB_HAPROXY" -p "$pids" -sf $(cat "$pids")
fi
exec haproxy -D -f "$CARBIDE_LB_HAPROXY" -p "$pids"
