#!/usr/bin/env bash
# The managers' consensus, on 127.0.0.1 with real nodes started from the distribution:
#  1. failover: 3 managers and a worker; the leader killed with kill -9, time until a surviving
#     manager takes a write again (its API answers 201), median of the runs; the killed manager
#     is restarted and caught up between runs;
#  2. drop-to-served with 1 manager and with 3 managers, 4 workers each: a small web app dropped
#     into a manager's deploy/ (not the leader's, for 3) until it answers 200 on every worker;
#     p50 and p99 side by side.
#   bench/managers.sh [runs]     (default 10 failovers, 20 drops)
#   bench/managers.sh --quick    (3 failovers, 5 drops)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist

runs="${1:-10}"; drops=20
if [ "${1:-}" = "--quick" ]; then runs=3; drops=5; fi
work="$BENCH_WORK/managers"
rm -rf "$work"; mkdir -p "$work"
moff=7600
started=()
cleanup() { for b in "${started[@]}"; do stop_node "$b"; done; }
trap cleanup EXIT

wk() {  # well-known members: the managers' cluster ports
  local list="" i
  for i in $(seq 1 "$1"); do list="$list${list:+,}127.0.0.1[$((4000 + moff + i))]"; done
  echo "-Dcarbide.cluster.wellKnownMembers=$list"
}
members() { local list="" i; for i in $(seq 1 "$1"); do list="$list${list:+,}bench-m$i"; done; echo "$list"; }

start_managers() {  # $1 = how many
  local i
  for i in $(seq 1 "$1"); do
    rm -rf "$work/m-$i"
    start_node -Dprofile=manager -DportOffset=$((moff + i)) -Dcarbide.base="$work/m-$i" -Dnode="bench-m$i" \
      "$(wk "$1")" -Dcarbide.managers="$(members "$1")"
    started+=("$work/m-$i")
  done
}

start_workers() {  # $1 = how many, $2 = managers; sets worker_ports
  local i
  worker_ports=()
  for i in $(seq 1 "$1"); do
    rm -rf "$work/w-$i"
    start_node -Dprofile=worker -DportOffset=$((moff + 20 + i)) -Dcarbide.base="$work/w-$i" -Dnode="bench-w$i" "$(wk "$2")"
    started+=("$work/w-$i")
    worker_ports+=($((9763 + moff + 20 + i)))
  done
}

stop_all() { for b in "${started[@]}"; do stop_node "$b"; done; started=(); }

# The leader as manager i's status sees it: prints its number, or nothing.
leader_of() {
  sed -n 's/^    "leader": "bench-m\([0-9]*\)",$/\1/p' "$work/m-$1/data/status.json" 2>/dev/null | head -n 1
}

await_leader() {  # $1 = a manager that is up; prints the leader's number
  local l=""
  until [ -n "$l" ]; do l=$(leader_of "$1"); [ -n "$l" ] || sleep 0.05; done
  echo "$l"
}

put_status() {  # $1 = manager number, $2 = artifact name: the HTTP status of an upload
  echo "x = $(now_ms)" > "$work/put.cfg"
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$work/m-$1/conf/security/management.crt" \
    -u "admin:$BENCH_ADMIN_PASSWORD" -T "$work/put.cfg" "https://127.0.0.1:$((9443 + moff + $1))/api/artifacts/$2" \
    2>/dev/null || true
}

echo "Managers ($(machine_line)); $runs failovers, $drops drops" >&2
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" site "$((drops * 2))"

echo
echo "Leader killed with kill -9 until a surviving manager takes a write (3 managers, 1 worker)"
progress "failover: starting 3 managers and a worker"
start_managers 3
start_workers 1 3
await_ready $((9763 + moff + 1)) $((9763 + moff + 2)) $((9763 + moff + 3)) "${worker_ports[@]}"
times=()
for r in $(seq 1 "$runs"); do
  leader=$(await_leader 1)
  survivor=$(( leader % 3 + 1 ))
  until [ "$(put_status "$survivor" "warm-$r.cfg")" = 201 ]; do sleep 0.1; done
  progress "failover $r/$runs: killing bench-m$leader"
  t0=$(now_ms)
  kill -9 "$(cat "$work/m-$leader/data/carbide.pid")"
  until [ "$(put_status "$survivor" "after-$r.cfg")" = 201 ]; do sleep 0.05; done
  times+=($(( $(now_ms) - t0 )))
  start_node -Dprofile=manager -DportOffset=$((moff + leader)) -Dcarbide.base="$work/m-$leader" -Dnode="bench-m$leader" \
    "$(wk 3)" -Dcarbide.managers="$(members 3)"
  await_ready $((9763 + moff + leader))
  until grep -q '"quorum": true' "$work/m-$leader/data/status.json" 2>/dev/null; do sleep 0.1; done
done
stop_all
read -r a b c <<< "$(stats "${times[@]}")"
printf '%-58s %22s\n' "kill -9 of the leader to a write taken (ms)" "median / min / max"
printf '%-58s %22s\n' "" "$a / $b / $c"
record "failover.write" "$a" "$b" "$c"

echo
echo "Drop a small web app into a manager's deploy/ until HTTP 200 on every one of 4 workers ($drops drops)"
printf '%-10s %8s %8s %8s %8s\n' managers "p50 ms" "p99 ms" "min ms" "max ms"
n=0
for count in 1 3; do
  progress "drop-to-served with $count manager(s): starting the cluster"
  start_managers "$count"
  start_workers 4 "$count"
  ports=()
  for i in $(seq 1 "$count"); do ports+=($((9763 + moff + i))); done
  await_ready "${ports[@]}" "${worker_ports[@]}"
  leader=$(await_leader 1)
  target=$(( count == 1 ? 1 : leader % count + 1 ))   # with 3, a follower takes the drop and forwards it
  times=()
  for i in $(seq 1 "$drops"); do
    n=$((n + 1))
    t0=$(now_ms)
    cp "$work/sites/site-$n.zip" "$work/m-$target/deploy/.site-$n.zip.part"
    mv "$work/m-$target/deploy/.site-$n.zip.part" "$work/m-$target/deploy/site-$n.zip"
    for port in "${worker_ports[@]}"; do
      until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/site-$n/")" = 200 ]; do sleep 0.005; done
    done
    times+=($(( $(now_ms) - t0 )))
  done
  stop_all
  p50=$(percentile 50 "${times[@]}"); p99=$(percentile 99 "${times[@]}")
  lo=$(percentile 0 "${times[@]}"); hi=$(percentile 100 "${times[@]}")
  printf '%-10s %8s %8s %8s %8s\n' "$count" "$p50" "$p99" "$lo" "$hi"
  record "managers.drop.$count" "$p50" "$p99" "$lo" "$hi"
done
