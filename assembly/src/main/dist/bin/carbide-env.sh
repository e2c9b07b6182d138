# Shared by start.sh, stop.sh and status.sh: reads the options they all take and finds the node.
# Sourced, not run.

CARBIDE_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

carbide_usage() {
  cat <<USAGE
Usage: bin/$(basename "$0") [options]
  -Dprofile=NAME        worker, manager, default (the default) or any profiles/NAME.profile
  -DportOffset=N        shift every port by N (client 9763+N, management 9443+N, cluster 4000+N)
  -Dcarbide.base=DIR    the node's own data/, deploy/, logs/ (and optional conf/); default: $CARBIDE_HOME
  -Dnode=NAME           the node's name in the cluster; default PROFILE-OFFSET
  -DKEY=VALUE           any other framework or JVM property
  --background          (start.sh) run as a daemon; output goes to DIR/logs/console.out
  --json                (status.sh) print the node's status as JSON
Environment: JAVA_HOME (which java), JAVA_OPTS (added after conf/jvm.options), CARBIDE_STOP_TIMEOUT (stop.sh, seconds, default 30)
USAGE
}

# Sets CARBIDE_BASE, CARBIDE_OFFSET, CARBIDE_BACKGROUND, CARBIDE_JSON and CARBIDE_DEFINES from "$@".
carbide_parse_args() {
  CARBIDE_BASE="$CARBIDE_HOME"
  CARBIDE_OFFSET=""
  CARBIDE_BACKGROUND=false
  CARBIDE_JSON=false
  CARBIDE_DEFINES=()
  local arg
  for arg in "$@"; do
    case "$arg" in
      --background) CARBIDE_BACKGROUND=true ;;
      --json) CARBIDE_JSON=true ;;
      -h|--help) carbide_usage; exit 0 ;;
      -Dcarbide.base=*) CARBIDE_BASE="${arg#*=}" ;;
      -DportOffset=*|-Dcarbide.portOffset=*) CARBIDE_OFFSET="${arg#*=}"; CARBIDE_DEFINES+=("$arg") ;;
      -D*=*) CARBIDE_DEFINES+=("$arg") ;;
      *) echo "carbide: unknown argument '$arg'; see bin/$(basename "$0") --help" >&2; exit 2 ;;
    esac
  done
  if [ -z "$CARBIDE_BASE" ]; then
    echo "carbide: -Dcarbide.base is empty; give the node's folder, e.g. -Dcarbide.base=nodes/worker-1" >&2
    exit 2
  fi
  case "$CARBIDE_BASE" in
    /*) ;;
    *) CARBIDE_BASE="$PWD/$CARBIDE_BASE" ;;
  esac
  CARBIDE_PID_FILE="$CARBIDE_BASE/data/carbide.pid"
  CARBIDE_STATUS_FILE="$CARBIDE_BASE/data/status.json"
}

# Prints the pid of the node running from CARBIDE_BASE; fails when none does. A pid file left
# by a killed node, or a pid reused by another program, does not count.
carbide_running_pid() {
  [ -f "$CARBIDE_PID_FILE" ] || return 1
  local pid
  pid="$(tr -dc '0-9' < "$CARBIDE_PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'io.carbide.runtime.Main' || return 1
  else
    ps -p "$pid" -o args= 2>/dev/null | grep -q 'io.carbide.runtime.Main' || return 1
  fi
  echo "$pid"
}

# Reads a top-level string or number field from the node's status file.
carbide_status_field() {
  sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$CARBIDE_STATUS_FILE" 2>/dev/null | head -n 1
}
