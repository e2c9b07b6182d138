# Shared by the topologies' up.sh and down.sh: starts Carbide nodes from the unpacked distribution
# and HAProxy in front of them on 127.0.0.1, and stops exactly what it started. Sourced, not run.
#   CARBIDE_DIST   the unpacked distribution (default: the one the build made)
#   SERVICE_PORT   HAProxy's port for the service host (default 8080)
#   MANAGEMENT_PORT HAProxy's port for the management host, TLS passed through (default 8443)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
DIST="${CARBIDE_DIST:-$HERE/../../../assembly/target/carbide-0.1.0/carbide-0.1.0}"
NODES="$HERE/nodes"
SERVICE_HOST=service.carbide.local
MANAGEMENT_HOST=manage.carbide.local
SERVICE_PORT="${SERVICE_PORT:-8080}"
MANAGEMENT_PORT="${MANAGEMENT_PORT:-8443}"

require() {
  [ -x "$DIST/bin/start.sh" ] || { echo "topology: no distribution at $DIST; build it (mvn -B package -DskipTests) or set CARBIDE_DIST" >&2; exit 2; }
  command -v haproxy >/dev/null || { echo "topology: HAProxy is not installed; apt-get install -y haproxy" >&2; exit 2; }
}

lb_options() {  # the options of the node that drives HAProxy
  echo "-Dcarbide.lb.serviceHost=$SERVICE_HOST" "-Dcarbide.lb.managementHost=$MANAGEMENT_HOST" \
    "-Dcarbide.lb.servicePort=$SERVICE_PORT" "-Dcarbide.lb.managementPort=$MANAGEMENT_PORT" \
    "-Dcarbide.lb.reloadCommand=$DIST/bin/haproxy-reload.sh"
}

start_node() {  # name profile offset [options...]
  local name=$1 profile=$2 offset=$3
  shift 3
  echo "starting $name ($profile, port offset $offset)"
  "$DIST/bin/start.sh" --background -Dprofile="$profile" -DportOffset="$offset" -Dcarbide.base="$NODES/$name" \
    -Dnode="$name" -Dcarbide.client.nodeHeader=true "$@" >/dev/null
}

await_lb() {  # waits until HAProxy answers the service host with 200
  printf 'waiting for HAProxy on 127.0.0.1:%s' "$SERVICE_PORT"
  for _ in $(seq 1 120); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $SERVICE_HOST" "http://127.0.0.1:$SERVICE_PORT/health")" = 200 ]; then
      echo " ... ready"
      return 0
    fi
    printf '.'
    sleep 0.5
  done
  echo " ... no answer; see $NODES/*/logs/carbide.log and $NODES/$1/lb/reload.log" >&2
  return 1
}

print_usage() {  # driver node name
  local driver=$1
  cat <<USAGE

Up. Through HAProxy on 127.0.0.1 (each answer names its node in X-Carbide-Node):
  curl -si -H 'Host: $SERVICE_HOST' http://127.0.0.1:$SERVICE_PORT/hello-site/ | grep -i x-carbide-node
  curl -s --resolve $MANAGEMENT_HOST:$MANAGEMENT_PORT:127.0.0.1 --cacert $NODES/$driver/conf/security/management.crt \\
       -u admin:\$(cat $NODES/$driver/conf/admin.password) https://$MANAGEMENT_HOST:$MANAGEMENT_PORT/api/cluster
Console: https://$MANAGEMENT_HOST:$MANAGEMENT_PORT/console/ (map $MANAGEMENT_HOST to 127.0.0.1 in /etc/hosts;
  user admin, password in $NODES/$driver/conf/admin.password)
HAProxy's configuration, kept by $driver: $NODES/$driver/lb/haproxy.cfg
Deploy: cp FILE $NODES/$driver/deploy/        Stop everything: $(basename "$HERE")/down.sh
USAGE
}

down() {
  if [ -d "$NODES" ]; then
    for base in "$NODES"/*/; do
      [ -d "$base/data" ] && "$DIST/bin/stop.sh" -Dcarbide.base="${base%/}" || true
    done
    for pids in "$NODES"/*/lb/haproxy.pid; do
      [ -s "$pids" ] || continue
      for pid in $(cat "$pids"); do kill "$pid" 2>/dev/null && echo "Stopped HAProxy (pid $pid)" || true; done
      rm -f "$pids"
    done
  fi
}
