#!/usr/bin/env bash
# Replication figures on 127.0.0.1 with real nodes started from the distribution:
#  1. latency: drop one small web app into the manager's deploy/, time until it answers 200 on
#     every worker (1, 2 and 4 workers; p50 and p99 over the drops);
#  2. bulk: 500 web apps dropped at once, until every one of 4 workers has applied them all;
#  3. late join: a fifth worker started after that, until it is ready (caught up);
#  4. large: one 256 MB web app to 2 workers whose heap is capped at 256 MB (-Xmx256m): time,
#     throughput and the workers' peak used heap.
#   bench/deploy.sh [--quick]     (--quick: fewer drops, 100 bulk artifacts, 64 MB)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist

drops=20; bulk=500; big_mb=256
if [ "${1:-}" = "--quick" ]; then drops=5; bulk=100; big_mb=64; fi
work="$BENCH_WORK/deploy"
rm -rf "$work"; mkdir -p "$work"
moff=7400
mgr_base="$work/mgr"
wk="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"
started=()
cleanup() { for b in "${started[@]}"; do stop_node "$b"; done; }
trap cleanup EXIT

progress() { printf '  %s\n' "$*" >&2; }

start_cluster() {  # $1 = number of workers; sets worker_ports
  local n=$1 i
  rm -rf "$mgr_base" "$work"/w-*
  start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$mgr_base" -Dnode=bench-mgr
  started+=("$mgr_base")
  worker_ports=()
  for i in $(seq 1 "$n"); do
    start_node -Dprofile=worker -DportOffset=$((moff + i)) -Dcarbide.base="$work/w-$i" -Dnode="bench-w$i" "$wk"
    started+=("$work/w-$i")
    worker_ports+=($((9763 + moff + i)))
  done
  await_ready $((9763 + moff)) "${worker_ports[@]}"
  # every worker is in the view once the manager has a report from each
  until [ "$(grep -c '"behind"' "$mgr_base/data/status.json" 2>/dev/null || true)" -ge "$n" ]; do sleep 0.1; done
}

stop_cluster() {
  for b in "${started[@]}"; do stop_node "$b"; done
  started=()
}

drop() {  # $1 = zip, $2 = name: copy beside, then rename, as a careful user does
  cp "$1" "$mgr_base/deploy/.$2.part"
  mv "$mgr_base/deploy/.$2.part" "$mgr_base/deploy/$2"
}

echo "Replication ($(machine_line)); drops=$drops bulk=$bulk large=${big_mb}MB" >&2
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" site "$drops"
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/bulk" bulk "$bulk"

latency_rows=()
for n in 1 2 4; do
  progress "latency with $n worker(s): starting the cluster"
  start_cluster "$n"
  times=()
  for i in $(seq 1 "$drops"); do
    t0=$(now_ms)
    drop "$work/sites/site-$i.zip" "site-$i.zip"
    for port in "${worker_ports[@]}"; do
      until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/site-$i/")" = 200 ]; do sleep 0.005; done
    done
    times+=($(( $(now_ms) - t0 )))
  done
  latency_rows+=("$(printf '%-8s %8s %8s %8s %8s' "$n" "$(percentile 50 "${times[@]}")" "$(percentile 99 "${times[@]}")" \
    "$(percentile 0 "${times[@]}")" "$(percentile 100 "${times[@]}")")")
  progress "latency with $n worker(s): p50 $(percentile 50 "${times[@]}") ms"
  if [ "$n" -lt 4 ]; then stop_cluster; fi
done

progress "bulk: $bulk web apps dropped at once on 4 workers"
target=$(( $(health_field $((9763 + moff)) repositoryRevision) + bulk ))
t0=$(now_ms)
for f in "$work"/bulk/*.zip; do drop "$f" "$(basename "$f")"; done
for port in "${worker_ports[@]}"; do
  until [ "$(health_field "$port" revision)" = "$target" ]; do sleep 0.1; done
done
bulk_ms=$(( $(now_ms) - t0 ))
progress "bulk: converged in $bulk_ms ms"

progress "late join: a fifth worker catching up $(health_field $((9763 + moff)) repositoryRevision) revisions"
t0=$(now_ms)
start_node -Dprofile=worker -DportOffset=$((moff + 5)) -Dcarbide.base="$work/w-5" -Dnode=bench-w5 "$wk"
started+=("$work/w-5")
until [ "$(health_field $((9763 + moff + 5)) revision)" = "$target" ] \
  && curl -s "http://127.0.0.1:$((9763 + moff + 5))/health" | grep -q '"ready":true'; do sleep 0.05; done
late_ms=$(( $(now_ms) - t0 ))
late_count=$(ls "$work/w-5/data/deployment/blobs" | wc -l)
stop_cluster

progress "large: one ${big_mb} MB web app to 2 workers with -Xmx256m"
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/large" large 1 --megabytes "$big_mb"
start_cluster 0
for i in 1 2; do
  JAVA_OPTS="-Xmx256m" start_node -Dprofile=worker -DportOffset=$((moff + i)) -Dcarbide.base="$work/w-$i" -Dnode="bench-w$i" "$wk"
  started+=("$work/w-$i")
done
await_ready $((9763 + moff + 1)) $((9763 + moff + 2))
rm -f "$work/heap.stop"
sample_peak_heap "$(cat "$work/w-1/data/carbide.pid")" "$work/heap.stop" > "$work/heap-1" &
sample_peak_heap "$(cat "$work/w-2/data/carbide.pid")" "$work/heap.stop" > "$work/heap-2" &
t0=$(now_ms)
drop "$work/large/large.zip" large.zip
for port in $((9763 + moff + 1)) $((9763 + moff + 2)); do
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/large/")" = 200 ]; do sleep 0.05; done
done
large_ms=$(( $(now_ms) - t0 ))
touch "$work/heap.stop"; wait
size_mb=$(( $(stat -c %s "$work/large/large.zip") / 1048576 ))
for i in 1 2; do
  got=$(curl -s "http://127.0.0.1:$((9763 + moff + i))/large/data.bin" | sha256sum | cut -c1-64)
  want=$(unzip -p "$work/large/large.zip" data.bin | sha256sum | cut -c1-64)
  [ "$got" = "$want" ] || { echo "bench: worker $i served different bytes for large.zip" >&2; exit 1; }
done

echo
echo "Drop a small web app into the manager's deploy/ until HTTP 200 on every worker ($drops drops)"
printf '%-8s %8s %8s %8s %8s\n' workers "p50 ms" "p99 ms" "min ms" "max ms"
printf '%s\n' "${latency_rows[@]}"
echo
printf '%-58s %s\n' "$bulk web apps dropped at once, converged on 4 workers" "$bulk_ms ms"
printf '%-58s %s\n' "late joiner catching up $late_count artifacts (start.sh to ready)" "$late_ms ms"
printf '%-58s %s\n' "${size_mb} MB web app served by 2 workers" "$large_ms ms ($(( size_mb * 1000 / (large_ms > 0 ? large_ms : 1) )) MB/s per worker)"
printf '%-58s %s\n' "peak used heap of those workers (-Xmx256m)" "$(cat "$work/heap-1") MiB, $(cat "$work/heap-2") MiB"
