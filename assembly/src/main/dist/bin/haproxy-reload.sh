#!/bin/sh
# A reload command for a manager that keeps HAProxy's configuration (carbide.lb.reloadCommand):
# checks the file the manager wrote, then starts HAProxy as a daemon, or hands over to a new
# process (-sf: the old one finishes its connections and exits). The new process takes the
# listening sockets over from the old one through the admin socket the file declares (-x), so no
# connection waiting to be accepted is lost. The pid file and the socket sit beside the file.
#   -Dcarbide.lb.reloadCommand=/path/to/carbide/bin/haproxy-reload.sh
set -e
: "${CARBIDE_LB_HAPROXY:?run by a manager: CARBIDE_LB_HAPROXY names the configuration it keeps}"
folder="$(dirname "$CARBIDE_LB_HAPROXY")"
pids="$folder/haproxy.pid"
socket="$folder/haproxy.sock"
haproxy -c -q -f "$CARBIDE_LB_HAPROXY"
if [ -s "$pids" ] && kill -0 $(cat "$pids") 2>/dev/null; then
  if [ -S "$socket" ]; then
    exec haproxy -D -f "$CARBIDE_LB_HAPROXY" -p "$pids" -x "$socket" -sf $(cat "$pids")
  fi
  exec haproxy -D -f "$CARBIDE_LB_HAPROXY" -p "$pids" -sf $(cat "$pids")
fi
exec haproxy -D -f "$CARBIDE_LB_HAPROXY" -p "$pids"
