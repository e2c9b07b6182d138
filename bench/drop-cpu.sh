#!/usr/bin/env bash
# Where a drop's CPU goes: a manager and one worker; after WARM untimed drops (the deploy path
# compiled, as on a fleet that has run a while), DROPS small web apps go one after another into the
# manager's deploy/ (each once the last answers 200, polled as bench/replication.sh does), and the
# CPU time each thread of both JVMs used in that span (from /proc/PID/task/*/stat) is divided by
# the number of drops. On 2 shared cores, a drop's CPU across the fleet bounds how fast 8 workers
# can all serve it.
#
#   bench/drop-cpu.sh [drops] [warm]          (default 150 drops after 150)
#   WORKER_JAVA_OPTS="-XX:TieredStopAtLevel=1" bench/drop-cpu.sh   (extra flags for the worker)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_require_dist
drops="${1:-150}"; warm="${2:-150}"
work="$BENCH_WORK/drop-cpu"; rm -rf "$work"; mkdir -p "$work"
moff=7400; woff=7401; mgr="$work/mgr"; wkr="$work/w"; wport=$((9763 + woff))
trap 'stop_node "$wkr"; stop_node "$mgr"' EXIT
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" warm "$warm"
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" site "$drops"
progress "starting a manager and a worker"
start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$mgr" -Dnode=bench-mgr
await_ready $((9763 + moff))
JAVA_OPTS="${WORKER_JAVA_OPTS:-}" start_node -Dprofile=worker -DportOffset=$woff -Dcarbide.base="$wkr" \
  -Dnode=bench-w1 "-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"
await_ready "$wport"
mpid=$(cat "$mgr/data/carbide.pid"); wpid=$(cat "$wkr/data/carbide.pid")

if [ "$warm" -gt 0 ]; then
  progress "$warm drops to warm up"
  java "$BENCH_ROOT/bench/DropLatency.java" folder "$mgr/deploy" "$work/sites" warm "$warm" "$wport" > /dev/null
fi
thread_ticks "$mpid" > "$work/m0"; thread_ticks "$wpid" > "$work/w0"
progress "$drops timed drops"
java "$BENCH_ROOT/bench/DropLatency.java" folder "$mgr/deploy" "$work/sites" site "$drops" "$wport" > "$work/times"
thread_ticks "$mpid" > "$work/m1"; thread_ticks "$wpid" > "$work/w1"

ticks=$(getconf CLK_TCK)
# ms of CPU per drop, per thread name, largest first: $1 $2 = the snapshots before and after
used_per_drop() {
  awk -v drops="$drops" -v hz="$ticks" 'NR == FNR { before[$2] = $1; next }
    { printf "%.1f %s\n", ($1 - before[$2]) * 1000 / hz / drops, $2 }' "$1" "$2" | sort -rn
}
per_drop() {  # $1 = node label, $2 $3 = the snapshots: its total (also recorded), then its 8 largest threads
  local total
  used_per_drop "$2" "$3" > "$work/used"
  total=$(awk '{ t += $1 } END { print t }' "$work/used")
  printf '%-8s %-28s %8.1f\n' "$1" "all threads" "$total"
  head -n 8 "$work/used" | awk '$1 > 0 { printf "%-8s %-28s %8.1f\n", "", $2, $1 }'
  record "drop-cpu.$1" "$total"
}
p50=$(percentile 50 $(awk '{ print $2 }' "$work/times"))
echo "CPU per drop, ms, over $drops drops after $warm to warm up (drop to served p50 $p50 ms)"
printf '%-8s %-28s %8s\n' node thread "ms/drop"
per_drop manager "$work/m0" "$work/m1"
per_drop worker "$work/w0" "$work/w1"
