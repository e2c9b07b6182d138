#!/usr/bin/env bash
# Starts a Carbide node: in the foreground by default, as a daemon with --background, and as a
# daemon this script returns from once the node is ready with --wait.
#   bin/start.sh -Dprofile=worker -DportOffset=2 -Dcarbide.base=nodes/w2 --background
#   bin/start.sh -Dprofile=manager -DportOffset=1 -Dcarbide.base=nodes/m1 --wait=60
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/carbide-env.sh"
carbide_parse_args "$@"
# a start that is refused (bad option, unknown profile) leaves no folder it created behind
base_existed=false
[ -d "$CARBIDE_BASE" ] && base_existed=true

if pid="$(carbide_running_pid)"; then
  echo "carbide: a node already runs from $CARBIDE_BASE (pid $pid); stop it with bin/stop.sh -Dcarbide.base=$CARBIDE_BASE or give this node its own -Dcarbide.base=DIR" >&2
  exit 2
fi

# a node needs no privileges: as root, whatever it deploys runs as root too
if [ "$(id -u)" -eq 0 ] && [ "${CARBIDE_ALLOW_ROOT:-false}" != true ]; then
  echo "carbide: warning: this node runs as root, which it never needs; run it as its own user (conf/systemd/carbide@.service, README 'Running as a service'), or set CARBIDE_ALLOW_ROOT=true to silence this" >&2
fi

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! command -v "$JAVA" >/dev/null 2>&1; then
  echo "carbide: no java found; install Java 17 or later, or set JAVA_HOME" >&2
  exit 2
fi

JVM_OPTIONS=()
options_file="$CARBIDE_BASE/conf/jvm.options"
[ -f "$options_file" ] || options_file="$CARBIDE_HOME/conf/jvm.options"
if [ -f "$options_file" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%#*}"; line="$(echo "$line" | xargs)"
    [ -n "$line" ] && JVM_OPTIONS+=("$line")
  done < "$options_file"
fi
# shellcheck disable=SC2206
[ -n "${JAVA_OPTS:-}" ] && JVM_OPTIONS+=($JAVA_OPTS)

# Class data sharing. The first node of each profile started from this installation on this JVM
# records the classes it loads (the JVM writes lib/cds/ when that node stops); later starts of that
# profile map them instead of loading and verifying them again, which saves about a third of a
# second. One archive per profile: a worker mapping the archive a manager recorded kept 8 MiB more
# of it resident (every class the manager loads) than one of its own. The archive is keyed by the
# java binary and the jars in lib/, so a new JVM or a changed lib/ records afresh.
# CARBIDE_CDS=false turns it off.
carbide_cds_profile() {
  local define given="" named=""   # as the launcher reads them: -Dprofile first, then -Dcarbide.profile
  for define in ${CARBIDE_DEFINES[@]+"${CARBIDE_DEFINES[@]}"}; do
    case "$define" in
      -Dprofile=*) given="${define#*=}" ;;
      -Dcarbide.profile=*) named="${define#*=}" ;;
    esac
  done
  given="${given:-${named:-default}}"
  echo "$given" | tr -c 'A-Za-z0-9_.\n-' '_'
}
carbide_cds_options() {
  [ "${CARBIDE_CDS:-true}" = true ] || return 0
  local dir="$CARBIDE_HOME/lib/cds" java_bin java_key lib_key profile archive recording recorder part file
  mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || return 0    # a read-only installation shares nothing
  java_bin="$(readlink -f "$(command -v "$JAVA")")"
  java_key="$( (echo "$java_bin"; stat -c '%Y %s' "$java_bin") 2>/dev/null | cksum | cut -d' ' -f1)"
  lib_key="$(ls -l "$CARBIDE_HOME/lib/"*.jar 2>/dev/null | cksum | cut -d' ' -f1)"
  profile="$(carbide_cds_profile)"
  archive="$dir/carbide-$java_key-$lib_key-$profile.jsa"
  recording="$dir/carbide-$java_key-$lib_key-$profile.recording"
  # what this JVM recorded for an earlier lib/ (a rebuild, an upgrade) serves nobody any more, nor
  # does the unfinished recording of a node that was killed
  for file in "$dir"/carbide-*; do
    [ -e "$file" ] || continue
    case "${file##*/carbide-}" in
      "$java_key"-*) ;;
      *-*) continue ;;              # another JVM's: its own starts look after them
      *) rm -f "$file"; continue ;; # named before the JVM and lib/ were keyed apart
    esac
    case "$file" in
      "$archive"|"$recording"|"$archive".part-*) ;;
      "$dir/carbide-$java_key-$lib_key-"*) ;;  # another profile's: its own starts look after them
      *.recording)
        recorder="$(cat "$file" 2>/dev/null || true)"
        CARBIDE_BASE="$recorder" CARBIDE_PID_FILE="$recorder/data/carbide.pid" carbide_running_pid >/dev/null \
          || rm -f "$file" ;;
      *.part-*) rm -f "$file" ;;    # written at exit by a node that recorded for an older lib/
      *) rm -f "$file" ;;
    esac
  done
  if [ ! -f "$archive" ] && [ -f "$recording" ]; then
    recorder="$(cat "$recording" 2>/dev/null || true)"
    if ! CARBIDE_BASE="$recorder" CARBIDE_PID_FILE="$recorder/data/carbide.pid" carbide_running_pid >/dev/null; then
      # the recording node has stopped: its archive is complete if it got as far as ready (the
      # launcher then marks it), absent if it was killed
      for part in "$archive".part-*; do
        case "$part" in *.ready) continue ;; esac
        [ -f "$part" ] && [ -f "$part.ready" ] && mv -f "$part" "$archive"
        rm -f "$part" "$part.ready"
      done
      rm -f "$archive".part-*.ready "$recording"
    fi
  fi
  if [ -f "$archive" ]; then
    JVM_OPTIONS+=("-XX:SharedArchiveFile=$archive" "-Xlog:cds=off" "-Xlog:cds+dynamic=off")
  elif [ ! -f "$recording" ] && (set -o noclobber; echo "$CARBIDE_BASE" > "$recording") 2>/dev/null; then
    JVM_OPTIONS+=("-XX:ArchiveClassesAtExit=$archive.part-$$" "-Dcarbide.cds.recording=$archive.part-$$" \
      "-Xlog:cds=off" "-Xlog:cds+dynamic=off")
    CDS_RECORDING="$recording"
    CDS_PART="$archive.part-$$"
  fi
}
CDS_RECORDING=""
CDS_PART=""
carbide_cds_options

# when start.sh was run, so the node's ready line counts from what the user did
launched_at="$(date +%s%3N 2>/dev/null || true)"
case "$launched_at" in *[!0-9]*|"") launched_at="" ;; esac
COMMAND=("$JAVA" "${JVM_OPTIONS[@]}" "-Dcarbide.home=$CARBIDE_HOME" "-Dcarbide.base=$CARBIDE_BASE" ${launched_at:+"-Dcarbide.launchedAt=$launched_at"} ${CARBIDE_DEFINES[@]+"${CARBIDE_DEFINES[@]}"})

# Undoes what this script set up for a node that the launcher refused: its recording, and the
# console file and folders it created, removed only while empty (another start may have claimed
# the base meanwhile; what that one wrote stays).
forget_refused_start() {
  [ -n "$CDS_RECORDING" ] && rm -f "$CDS_RECORDING" "$CDS_PART" "$CDS_PART.ready"
  if [ "$base_existed" != true ] && ! carbide_running_pid >/dev/null; then
    rm -f "$CARBIDE_BASE/logs/console.out"
    rmdir "$CARBIDE_BASE/logs" "$CARBIDE_BASE" 2>/dev/null || true
  fi
}

# The pid, state and reason in the node's status file, read in one go (the node replaces the file
# whole, so the three belong together): "pid=...", "state=..." and "reason=...", a line each.
status_now() {
  sed -n -e 's/^  "pid": \([0-9]*\),\{0,1\}$/pid=\1/p' -e 's/^  "state": "\([^"]*\)",\{0,1\}$/state=\1/p' \
    -e 's/^  "reason": "\(.*\)",\{0,1\}$/reason=\1/p' "$CARBIDE_STATUS_FILE" 2>/dev/null || true
}

# --wait: follows the node's status file (checked every fifth of a second while the node starts)
# until it says ready, printing each state it passes through, so that a script can call the node's
# ports on the next line. The file of an earlier run of this base was removed before the start.
await_ready() {
  local deadline=$(( $(date +%s%3N) + CARBIDE_WAIT * 1000 )) status_pid status_state status_reason state="" reason="" line shown="" took=""
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "carbide: the node (pid $pid) stopped while starting; the end of its log, $CARBIDE_BASE/logs/carbide.log:" >&2
      tail -n 5 "$CARBIDE_BASE/logs/carbide.log" >&2 2>/dev/null || tail -n 5 "$console" >&2
      exit 2
    fi
    status_pid="" status_state="" status_reason=""
    while IFS= read -r line; do
      case "$line" in
        pid=*) status_pid="${line#pid=}" ;;
        state=*) status_state="${line#state=}" ;;
        reason=*) status_reason="${line#reason=}" ;;
      esac
    done < <(status_now)
    if [ "$status_pid" = "$pid" ]; then
      state="$status_state"; reason="$status_reason"
      if [ "$state" = ready ]; then
        [ -n "$launched_at" ] && took=", $(( $(date +%s%3N) - launched_at )) ms after start.sh"
        echo "Carbide node ready: $(carbide_status_field node) ($(carbide_status_field profile)), pid $pid$took"
        exit 0
      fi
      if [ -n "$state" ] && [ "$state: $reason" != "$shown" ]; then
        shown="$state: $reason"
        echo "  $shown"
      fi
    fi
    if [ "$(date +%s%3N)" -ge "$deadline" ]; then
      echo "carbide: the node (pid $pid) is ${state:-starting} after $CARBIDE_WAIT s${reason:+ ($reason)}; it goes on" \
        "in the background: bin/status.sh -Dcarbide.base=$CARBIDE_BASE, or bin/stop.sh -Dcarbide.base=$CARBIDE_BASE" >&2
      exit 1
    fi
    sleep 0.1
  done
}

if [ "$CARBIDE_BACKGROUND" != true ]; then
  exec "${COMMAND[@]}" -cp "$CARBIDE_HOME/lib/*" io.carbide.runtime.Main
fi

mkdir -p "$CARBIDE_BASE/logs"
console="$CARBIDE_BASE/logs/console.out"
# no node runs from this base (checked above): the status an earlier run left must not pass for this one's
rm -f "$CARBIDE_STATUS_FILE"
# owner-only: a manager's first start prints the generated admin password here
(umask 077 && : > "$console")
nohup "${COMMAND[@]}" -Dcarbide.console.level=OFF -cp "$CARBIDE_HOME/lib/*" io.carbide.runtime.Main \
  > "$console" 2>&1 < /dev/null &
pid=$!
disown "$pid" 2>/dev/null || true  # a node killed while --wait follows it is said in one line, not as a job notice
# The launcher writes the pid file once the profile and bundle set are known to be good, so a
# wrong option is reported here, not buried in a log.
for _ in $(seq 1 300); do
  if [ "$(tr -dc '0-9' 2>/dev/null < "$CARBIDE_PID_FILE")" = "$pid" ]; then
    echo "Carbide node starting in the background: pid $pid, base $CARBIDE_BASE, log $CARBIDE_BASE/logs/carbide.log"
    [ -n "$CARBIDE_WAIT" ] || exit 0
    await_ready
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$console" >&2
    wait "$pid" 2>/dev/null || true
    forget_refused_start
    exit 2
  fi
  sleep 0.1
done
echo "carbide: node (pid $pid) has not claimed $CARBIDE_BASE after 30 s; see $console" >&2
exit 1
