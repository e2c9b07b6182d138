# Shared by start.sh, stop.sh and status.sh: reads the options they all take and finds the node.
# Sourced, not run.

CARBIDE_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

carbide_usage() {
  local script
  script="$(basename "$0")"
  case "$script" in
    start.sh) echo "Usage: bin/start.sh [options]   starts a node (in the foreground unless --background)" ;;
    stop.sh) echo "Usage: bin/stop.sh [options]    stops the node running from a base: SIGTERM (it drains first), then SIGKILL after the drain plus CARBIDE_STOP_TIMEOUT s (default 30)" ;;
    status.sh) echo "Usage: bin/status.sh [options]  tells whether a node runs from a base: exit 0 if it does, 1 if not" ;;
  esac
  echo "  -Dcarbide.base=DIR    the node's own data/, deploy/, logs/ (and optional conf/); default: $CARBIDE_HOME"
  echo "  -DportOffset=N        the node's port offset (client 9763+N, management 9443+N, cluster 4000+N)"
  case "$script" in
    start.sh)
      echo "  -Dprofile=NAME        worker, manager, default (the default) or any profiles/NAME.profile"
      echo "  -Dnode=NAME           the node's name in the cluster; default PROFILE-OFFSET"
      echo "  -DKEY=VALUE           any other framework or JVM property, e.g. -Dcarbide.resetAdminPassword=true"
      echo "                        (a manager gives admin a new password: CARBIDE_ADMIN_PASSWORD, or generated)"
      echo "  --background          run as a daemon; output goes to DIR/logs/console.out"
      echo "  --wait[=SECONDS]      run as a daemon and return once the node is ready (exit 0), showing each state"
      echo "                        on the way; exit 1 if it is not ready within SECONDS (default 120), 2 if it stops"
      echo "Environment: JAVA_HOME (which java), JAVA_OPTS (added after conf/jvm.options), CARBIDE_ADMIN_PASSWORD,"
      echo "  CARBIDE_CDS=false (no class data sharing)" ;;
    status.sh)
      echo "  --json                the node's status as JSON (node, profile, state, ports, bundles, cluster, artifacts)"
      echo "  --all                 every node started from this installation, wherever its base is: one line each" ;;
  esac
}

# Sets CARBIDE_BASE, CARBIDE_OFFSET, CARBIDE_BACKGROUND, CARBIDE_WAIT (seconds, empty when not
# waiting), CARBIDE_JSON, CARBIDE_ALL and CARBIDE_DEFINES from "$@".
carbide_parse_args() {
  CARBIDE_BASE="$CARBIDE_HOME"
  CARBIDE_OFFSET=""
  CARBIDE_BACKGROUND=false
  CARBIDE_WAIT=""
  CARBIDE_JSON=false
  CARBIDE_ALL=false
  CARBIDE_DEFINES=()
  local arg
  for arg in "$@"; do
    case "$arg" in
      --background) CARBIDE_BACKGROUND=true ;;
      --wait) CARBIDE_BACKGROUND=true; CARBIDE_WAIT=120 ;;
      --wait=*)
        CARBIDE_BACKGROUND=true; CARBIDE_WAIT="${arg#*=}"
        case "$CARBIDE_WAIT" in
          ''|*[!0-9]*) echo "carbide: --wait takes whole seconds, e.g. --wait=60, not '$CARBIDE_WAIT'" >&2; exit 2 ;;
        esac
        CARBIDE_WAIT=$(( 10#$CARBIDE_WAIT )) ;;  # 08 is eight seconds, not a bad octal number
      --json) CARBIDE_JSON=true ;;
      --all) CARBIDE_ALL=true ;;
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
  local args base
  if [ -r "/proc/$pid/cmdline" ]; then
    args="$(tr '\0' '\n' < "/proc/$pid/cmdline")"
  else
    args="$(ps -p "$pid" -o args= 2>/dev/null | tr ' ' '\n')"
  fi
  printf '%s\n' "$args" | grep -q 'io.carbide.runtime.Main' || return 1
  # a pid file left by a node killed with -9 may name a pid that another node has now: that node
  # runs from another base, and is not this one (stop.sh would have stopped it)
  base="$(printf '%s\n' "$args" | sed -n 's/^-Dcarbide\.base=//p' | tail -n 1)"
  if [ -n "$base" ] && [ "$(readlink -f -- "$base" 2>/dev/null || echo "$base")" \
      != "$(readlink -f -- "$CARBIDE_BASE" 2>/dev/null || echo "$CARBIDE_BASE")" ]; then
    return 1
  fi
  echo "$pid"
}

# Reads a top-level string or number field from the node's status file.
carbide_status_field() {
  sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$CARBIDE_STATUS_FILE" 2>/dev/null | head -n 1
}

# The bases of the nodes started from this installation: the launcher records each in a small file
# under registry/ once the node has claimed its base, so that status.sh --all finds every node.
CARBIDE_REGISTRY="$CARBIDE_HOME/registry"

# Prints every registered base that still exists (forgetting those that are gone), the
# installation's own base first.
carbide_registered_bases() {
  local entry base
  echo "$CARBIDE_HOME"
  for entry in "$CARBIDE_REGISTRY"/*; do
    [ -f "$entry" ] || continue
    base="$(head -n 1 "$entry")"
    if [ -z "$base" ] || [ ! -d "$base/data" ]; then
      rm -f "$entry" 2>/dev/null || true
    elif [ "$base" != "$CARBIDE_HOME" ]; then
      echo "$base"
    fi
  done
}
