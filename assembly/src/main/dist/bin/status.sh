#!/usr/bin/env bash
# Tells whether a node runs from a base: exit 0 if it does, 1 if not.
#   bin/status.sh -Dcarbide.base=nodes/w2          one line
#   bin/status.sh -Dcarbide.base=nodes/w2 --json   node, profile, roles, readOnly, pid, ports,
#                                                   bundles, cluster members, artifacts
#   bin/status.sh --all [--json]                    every node started from this installation
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/carbide-env.sh"
carbide_parse_args "$@"

# A port from the status file's "ports" section.
status_port() { sed -n "s/^    \"$1\": \([0-9]*\),\{0,1\}$/\1/p" "$CARBIDE_STATUS_FILE" 2>/dev/null | head -n 1; }

# The value of -DNAME (or of the first of several names) on a running node's command line: the
# last one given wins, as in the JVM.
launch_option() {
  local pid="$1" name value; shift
  for name in "$@"; do
    value="$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n "s/^-D$name=//p" | tail -n 1)"
    [ -z "$value" ] || { echo "$value"; return; }
  done
}

# One line per node started from this installation (table, or a JSON array with --json); exit 0
# if any of them runs.
status_all() {
  local base pid node profile offset state client management cluster any=1 first=true
  [ "$CARBIDE_JSON" = true ] && echo "["
  [ "$CARBIDE_JSON" = true ] || printf '%-16s %-9s %-10s %-8s %-7s %-11s %-8s %s\n' \
    NODE PROFILE STATE PID CLIENT MANAGEMENT CLUSTER BASE
  while IFS= read -r base; do
    CARBIDE_BASE="$base"
    CARBIDE_PID_FILE="$base/data/carbide.pid"
    CARBIDE_STATUS_FILE="$base/data/status.json"
    [ -d "$base/data" ] || continue
    node="$(carbide_status_field node)"; profile="$(carbide_status_field profile)"
    if pid="$(carbide_running_pid)"; then
      any=0
      state="$(carbide_status_field state)"
      if [ "$(carbide_status_field pid)" != "$pid" ]; then
        # starting: its status file is not written yet (or is the last run's), so its name and
        # profile come from how it was started, as the launcher reads them
        state=starting
        profile="$(launch_option "$pid" profile carbide.profile)"; profile="${profile:-default}"
        node="$(launch_option "$pid" node carbide.node.name)"
        if [ -z "$node" ]; then
          offset="$(launch_option "$pid" portOffset carbide.portOffset)"
          node="$profile-${offset:-0}"
        fi
        client=""; management=""; cluster="" # the last run's ports may not be this one's
      else
        client="$(status_port client)"; management="$(status_port management)"; cluster="$(status_port cluster)"
      fi
    else
      pid=""; state=stopped; client=""; management=""; cluster=""
    fi
    if [ "$CARBIDE_JSON" = true ]; then
      [ "$first" = true ] || echo ","
      first=false
      printf '  {"base": "%s", "running": %s, "node": "%s", "profile": "%s", "state": "%s", "pid": %s, ' \
        "$base" "$([ -n "$pid" ] && echo true || echo false)" "$node" "$profile" "${state:-unknown}" "${pid:-null}"
      printf '"ports": {"client": %s, "management": %s, "cluster": %s}}' "${client:-null}" "${management:-null}" "${cluster:-null}"
    else
      printf '%-16s %-9s %-10s %-8s %-7s %-11s %-8s %s\n' "${node:--}" "${profile:--}" "${state:-unknown}" \
        "${pid:--}" "${client:--}" "${management:--}" "${cluster:--}" "$base"
    fi
  done < <(carbide_registered_bases)
  [ "$CARBIDE_JSON" = true ] && printf '\n]\n'
  return $any
}

if [ "$CARBIDE_ALL" = true ]; then
  status_all && exit 0 || exit 1
fi

not_running() {
  if [ "$CARBIDE_JSON" = true ]; then
    printf '{\n  "running": false,\n  "base": "%s",\n  "reason": "%s"\n}\n' "$CARBIDE_BASE" "$1"
  else
    echo "Not running: $1"
  fi
  exit 1
}

pid="$(carbide_running_pid)" || not_running "no Carbide node runs from $CARBIDE_BASE (bin/status.sh --all lists every node started from this installation)"
if [ -n "$CARBIDE_OFFSET" ] && [ -f "$CARBIDE_STATUS_FILE" ]; then
  offset="$(sed -n 's/^    "offset": \([0-9]*\),\{0,1\}$/\1/p' "$CARBIDE_STATUS_FILE" | head -n 1)"
  if [ -n "$offset" ] && [ "$offset" != "$CARBIDE_OFFSET" ]; then
    not_running "the node running from $CARBIDE_BASE (pid $pid) has port offset $offset, not $CARBIDE_OFFSET"
  fi
fi

if [ ! -f "$CARBIDE_STATUS_FILE" ] || [ "$(carbide_status_field pid)" != "$pid" ]; then
  # still starting: the node writes its status once its bundles are up
  if [ "$CARBIDE_JSON" = true ]; then
    printf '{\n  "running": true,\n  "starting": true,\n  "pid": %s,\n  "base": "%s"\n}\n' "$pid" "$CARBIDE_BASE"
  else
    echo "Starting: pid $pid, base $CARBIDE_BASE"
  fi
  exit 0
fi

if [ "$CARBIDE_JSON" = true ]; then
  cat "$CARBIDE_STATUS_FILE"
else
  mode=read-write
  [ "$(carbide_status_field readOnly)" = true ] && mode=read-only
  # ready, starting, lagging, draining or refused; --json (or /health) says why
  ready="$(carbide_status_field state)"
  [ -n "$ready" ] || ready="not ready"
  [ "$ready" = ready ] || ready="$ready (status.sh --json: reason)"
  active="$(grep -c '"state": "ACTIVE"' "$CARBIDE_STATUS_FILE" || true)"
  echo "Running: node $(carbide_status_field node), profile $(carbide_status_field profile) ($mode), $ready, pid $pid, $active bundles active, base $CARBIDE_BASE"
fi
exit 0
