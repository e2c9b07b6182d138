#!/usr/bin/env bash
# What leaving the management API, the console and the repository off a worker saves: a manager
# and a worker started side by side with the same JVM flags (conf/jvm.options), measured at rest
# and again after the same 100 web apps were dropped into the manager's deploy/ and went live on
# the worker. Resident memory (RSS, from /proc) and the live heap after a full GC (jcmd GC.run,
# then jstat). The manager's console is opened once (log-in and the live event stream), as an
# operator would have it, before the "after" figures.
#   bench/memory.sh [runs] [settle-seconds]     (default 5 runs, 15 s)
#   bench/memory.sh --quick                     (1 run, 5 s)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
if [ "${1:-}" = --quick ]; then runs=1; settle=5; else runs="${1:-5}"; settle="${2:-15}"; fi
work="$BENCH_WORK/memory"
artifacts="$work/artifacts"
count=100
mo=7600; wo=7601

mkdir -p "$work"
if [ ! -f "$artifacts/mem-$count.zip" ]; then
  java "$BENCH_ROOT/bench/MakeArtifacts.java" "$artifacts" mem "$count"
fi

heap_after_gc() {  # live heap in MiB
  jcmd "$1" GC.run >/dev/null
  jstat -gc "$1" | awk 'NR == 2 { printf "%d", ($3 + $4 + $6 + $8) / 1024 }'
}

one_run() {  # prints "mrss mheap wrss wheap mrss2 mheap2 wrss2 wheap2"
  local mb="$work/manager" wb="$work/worker" mpid wpid m1 h1 w1 k1 m2 h2 w2 k2 cert
  stop_node "$mb"; stop_node "$wb"; rm -rf "$mb" "$wb"
  start_node -Dprofile=manager -DportOffset=$mo -Dcarbide.base="$mb" -Dnode=bench-mgr
  start_node -Dprofile=worker -DportOffset=$wo -Dcarbide.base="$wb" -Dnode=bench-w1 \
    -Dcarbide.cluster.wellKnownMembers="127.0.0.1[$((4000 + mo))]"
  await_ready $((9763 + mo)) $((9763 + wo))
  mpid=$(cat "$mb/data/carbide.pid"); wpid=$(cat "$wb/data/carbide.pid")
  sleep "$settle"
  m1=$(rss_mib "$mpid"); w1=$(rss_mib "$wpid")
  h1=$(heap_after_gc "$mpid"); k1=$(heap_after_gc "$wpid")

  cp "$artifacts"/mem-*.zip "$mb/deploy/"
  until [ "$(health_field $((9763 + wo)) revision)" = "$count" ]; do sleep 0.1; done
  await_http_200 $((9763 + wo)) "/mem-$count/" >/dev/null
  # an operator with the console open: log in, then follow the live stream
  cert="$mb/conf/security/management.crt"
  mgmt_get "$mb" $mo /api/fleet >/dev/null
  curl -s --cacert "$cert" -u "admin:$BENCH_ADMIN_PASSWORD" -N --max-time "$settle" \
    "https://127.0.0.1:$((9443 + mo))/api/events" >/dev/null || true
  m2=$(rss_mib "$mpid"); w2=$(rss_mib "$wpid")
  h2=$(heap_after_gc "$mpid"); k2=$(heap_after_gc "$wpid")
  stop_node "$wb"; stop_node "$mb"
  echo "$m1 $h1 $w1 $k1 $m2 $h2 $w2 $k2"
}

echo "Memory, manager beside worker ($runs runs, ${settle} s settle, $count artifacts; $(machine_line))" >&2
declare -a mr mh wr wh mr2 mh2 wr2 wh2
for i in $(seq 1 "$runs"); do
  read -r a b c d e f g h <<< "$(one_run)"
  mr+=("$a"); mh+=("$b"); wr+=("$c"); wh+=("$d"); mr2+=("$e"); mh2+=("$f"); wr2+=("$g"); wh2+=("$h")
  progress "$(printf 'run %d/%d: at rest manager %d MiB RSS (heap %d), worker %d MiB (heap %d); after %d artifacts manager %d MiB (heap %d), worker %d MiB (heap %d)' \
    "$i" "$runs" "$a" "$b" "$c" "$d" "$count" "$e" "$f" "$g" "$h")"
done

cell() { stats "$@" | awk '{ printf "%d / %d / %d", $1, $2, $3 }'; }
median() { stats "$@" | cut -d' ' -f1; }
less() { awk -v w="$1" -v m="$2" 'BEGIN { printf "%d%%", 100 - (w * 100) / m }'; }
printf '%-34s %18s %18s\n' "" "manager" "worker"
printf '%-34s %18s %18s\n' "RSS at rest, MiB" "$(cell "${mr[@]}")" "$(cell "${wr[@]}")"
printf '%-34s %18s %18s\n' "live heap at rest, MiB" "$(cell "${mh[@]}")" "$(cell "${wh[@]}")"
printf '%-34s %18s %18s\n' "RSS after $count artifacts, MiB" "$(cell "${mr2[@]}")" "$(cell "${wr2[@]}")"
printf '%-34s %18s %18s\n' "live heap after $count artifacts, MiB" "$(cell "${mh2[@]}")" "$(cell "${wh2[@]}")"
echo "(each cell: median / min / max)"
echo "worker RSS below the manager's: $(less "$(median "${wr[@]}")" "$(median "${mr[@]}")") at rest, $(less "$(median "${wr2[@]}")" "$(median "${mr2[@]}")") after $count artifacts (target at least 25%)"
record "memory.rest.rss.manager" $(stats "${mr[@]}")
record "memory.rest.rss.worker" $(stats "${wr[@]}")
record "memory.rest.heap.manager" $(stats "${mh[@]}")
record "memory.rest.heap.worker" $(stats "${wh[@]}")
record "memory.deployed.rss.manager" $(stats "${mr2[@]}")
record "memory.deployed.rss.worker" $(stats "${wr2[@]}")
record "memory.deployed.heap.manager" $(stats "${mh2[@]}")
record "memory.deployed.heap.worker" $(stats "${wh2[@]}")
record "memory.artifacts" "$count"
