#!/usr/bin/env bash
# Cluster membership timings on 127.0.0.1, with a manager up:
#  - worker join: from running bin/start.sh until the manager's view lists the worker, and the
#    JGroups connect time the worker logs ("joined ... in N ms");
#  - worker ready: from bin/start.sh until its /health answers 200 (joined and caught up);
#  - failure detection: from kill -9 of the worker until the manager's view drops it.
#   bench/cluster.sh [runs]        (default 5)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
runs="${1:-5}"
moff=7201; woff=7202
work="$BENCH_WORK/cluster"
mgr="$work/mgr"
stop_node "$mgr"; rm -rf "$work"
wk="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"

in_view() { mgmt_get "$mgr" $moff /api/cluster | grep -q "\"name\": \"$1\""; }

start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$mgr" -Dnode=bench-mgr
trap 'stop_node "$mgr"' EXIT
await_ready $((9763 + moff))
until in_view bench-mgr; do sleep 0.1; done

echo "Cluster membership ($runs runs; $(machine_line))"
joins=(); readies=(); connects=(); leaves=()
for i in $(seq 1 "$runs"); do
  base="$work/w-$i"
  t0=$(now_ms)
  start_node -Dprofile=worker -DportOffset=$woff -Dcarbide.base="$base" -Dnode="bench-w$i" "$wk"
  until in_view "bench-w$i"; do sleep 0.01; done
  joins+=($(( $(now_ms) - t0 )))
  t1=$(await_http_200 $((9763 + woff)) /health)
  readies+=($((t1 - t0)))
  until grep -q "joined cluster domain" "$base/logs/carbide.log"; do sleep 0.02; done
  connects+=("$(sed -n 's/.* joined cluster domain .* in \([0-9]*\) ms (stack.*/\1/p' "$base/logs/carbide.log" | tail -n 1)")
  pid=$(cat "$base/data/carbide.pid")
  t2=$(now_ms)
  kill -9 "$pid"
  while in_view "bench-w$i"; do sleep 0.02; done
  leaves+=($(( $(now_ms) - t2 )))
  sleep 1  # let the port go
  progress "run $i/$runs: in view after ${joins[-1]} ms, ready after ${readies[-1]} ms, gone ${leaves[-1]} ms after kill -9"
done
row() {  # label key values...
  local label=$1 key=$2; shift 2
  read -r a b c <<< "$(stats "$@")"
  printf '%-50s %10s %10s %10s\n' "$label" "$a" "$b" "$c"
  record "$key" "$a" "$b" "$c"
}
printf '%-50s %10s %10s %10s\n' figure "median ms" "min ms" "max ms"
row "worker start.sh until in the manager's view" cluster.join "${joins[@]}"
row "worker start.sh until ready (/health 200)" cluster.ready "${readies[@]}"
row "worker JGroups connect (joined ... in N ms)" cluster.connect "${connects[@]}"
row "kill -9 until gone from the manager's view" cluster.detect "${leaves[@]}"
