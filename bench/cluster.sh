#!/usr/bin/env bash
# Cluster membership timings on 127.0.0.1, with a manager up:
#  - worker join: from running bin/start.sh until the manager's view lists the worker, and the
#    JGroups connect time the worker logs ("joined ... in N ms");
#  - failure detection: from kill -9 of the worker until the manager's view drops it.
#   bench/cluster.sh [runs]        (default 5)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
runs="${1:-5}"
moff=7201; woff=7202
work="$BENCH_WORK/cluster"
rm -rf "$work"
wk="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"

in_view() { curl -s --max-time 2 "http://127.0.0.1:$((9443 + moff))/api/cluster" | grep -q "\"name\": \"$1\""; }

"$BENCH_DIST/bin/start.sh" --background -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$work/mgr" -Dnode=bench-mgr >/dev/null
trap '"$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$work/mgr" >/dev/null' EXIT
until in_view bench-mgr; do sleep 0.1; done

echo "Cluster membership ($runs runs; $(machine_line))"
joins=(); connects=(); leaves=()
for i in $(seq 1 "$runs"); do
  base="$work/w-$i"
  t0=$(now_ms)
  "$BENCH_DIST/bin/start.sh" --background -Dprofile=worker -DportOffset=$woff -Dcarbide.base="$base" -Dnode="bench-w$i" "$wk" >/dev/null
  until in_view "bench-w$i"; do sleep 0.02; done
  t1=$(now_ms)
  joins+=($((t1 - t0)))
  until grep -q "joined cluster domain" "$base/logs/carbide.log"; do sleep 0.02; done
  connects+=("$(sed -n 's/.* joined cluster domain .* in \([0-9]*\) ms (stack.*/\1/p' "$base/logs/carbide.log" | tail -n 1)")
  pid=$(cat "$base/data/carbide.pid")
  t2=$(now_ms)
  kill -9 "$pid"
  while in_view "bench-w$i"; do sleep 0.02; done
  leaves+=($(( $(now_ms) - t2 )))
  sleep 1  # let the port go
  printf '.' >&2
done
printf '\r' >&2
printf '%-46s %10s %10s %10s\n' figure "median ms" "min ms" "max ms"
read -r a b c <<< "$(stats "${joins[@]}")";    printf '%-46s %10s %10s %10s\n' "worker start.sh until in the manager's view" "$a" "$b" "$c"
read -r a b c <<< "$(stats "${connects[@]}")"; printf '%-46s %10s %10s %10s\n' "worker JGroups connect (joined ... in N ms)" "$a" "$b" "$c"
read -r a b c <<< "$(stats "${leaves[@]}")";   printf '%-46s %10s %10s %10s\n' "kill -9 until gone from the manager's view" "$a" "$b" "$c"
