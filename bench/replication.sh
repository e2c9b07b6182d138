#!/usr/bin/env bash
# Replication figures on 127.0.0.1 with real nodes started from the distribution:
#  1. latency: drop one small web app into the manager's deploy/, or upload it through the API,
#     time until it answers 200 on every worker, for 1, 2, 4 and 8 workers (p50 and p99 over the
#     drops, timed and polled from one process: bench/DropLatency.java). A fleet that has run for a
#     while has compiled its deploy path; a freshly started one compiles it during its first drops
#     (the JIT compilers then take most of the CPU). So each path first gets $WARMUP untimed drops
#     (default 100: after 20, 8 workers still spent a third of each drop's CPU compiling; see
#     docs/benchmarks.md), which stay deployed; "first" is the first of them: for the folder, the first
#     drop on the freshly started cluster, for the API, the first upload after the folder's warm-up;
#  2. ingest: 1000 web apps moved into the deploy/ of a manager alone, until it has committed the last;
#     bulk: 100, 500 and 1000 web apps moved into deploy/ with one mv, until every one of 4 workers has applied
#     them all (a fresh cluster for each run);
#  3. late join: a worker started once the manager holds 500 artifacts, until it is ready;
#  4. large: one 256 MB web app to 2 workers whose heap is capped at 256 MB (-Xmx256m): time,
#     throughput and the workers' peak used heap (sampled with jstat), bytes checked on both; where
#     the time went (the manager's "Stored", each worker's "Took in" line), and beside it the disk's
#     own speed: the same file copied with cp + sync, and with dd conv=fsync;
#  5. egress: one 64 MB web app to 1, 2, 4 and 8 workers: what the manager sent on its content port
#     (from status.sh --json), as a multiple of the artifact's size, and the time until all serve it,
#     with workers fetching from their peers (as shipped) and, beside it, from the manager alone.
#   bench/replication.sh [runs]      (default 5 runs of 2-4, 20 drops per worker count)
#   bench/replication.sh --quick     (1 run, 5 drops, bulk 100, late join of 100, 64 MB)
#   PARTS="large" bench/replication.sh 3   (only some of: latency ingest bulk late large egress)
#   WORKERS="8" PARTS="egress" bench/replication.sh 1   (only some worker counts)
#   BULK="1000" PARTS="bulk" bench/replication.sh 3     (only some bulk sizes)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist

runs="${1:-5}"; drops=20; warmup="${WARMUP:-100}"; late=500; big_mb=256
read -r -a bulk_sizes <<< "${BULK:-100 500 1000}"  # BULK="1000" for one size only
# WORKERS="8" for one worker count only (latency and egress); JVM flags for the manager in JAVA_OPTS,
# for the workers in WORKER_JAVA_OPTS (a lever measured on every node: set both)
read -r -a worker_counts <<< "${WORKERS:-1 2 4 8}"
if [ "${1:-}" = "--quick" ]; then runs=1; drops=5; warmup="${WARMUP:-5}"; bulk_sizes=(100); late=100; big_mb=64; fi
work="$BENCH_WORK/replication"
rm -rf "$work"; mkdir -p "$work"
moff=7400
mgr_base="$work/mgr"
wk="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"
started=()
cleanup() { for b in "${started[@]}"; do stop_node "$b"; done; }
trap cleanup EXIT

start_manager() {  # extra start.sh options for the manager
  rm -rf "$mgr_base"
  start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$mgr_base" -Dnode=bench-mgr "$@"
  started+=("$mgr_base")
}

start_workers() {  # $1 = how many, then extra start.sh options; sets worker_ports
  local n=$1 i; shift
  worker_ports=()
  for i in $(seq 1 "$n"); do
    rm -rf "$work/w-$i"
    JAVA_OPTS="${WORKER_JAVA_OPTS:-}" start_node -Dprofile=worker -DportOffset=$((moff + i)) -Dcarbide.base="$work/w-$i" \
      -Dnode="bench-w$i" "$wk" "$@"
    started+=("$work/w-$i")
    worker_ports+=($((9763 + moff + i)))
  done
}

start_cluster() {  # $1 = number of workers, then extra start.sh options for the manager
  local n=$1; shift
  start_manager "$@"
  start_workers "$n"
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

drop_many() {  # $1 = how many of the bulk web apps: staged beside deploy/, then moved in with one mv
  rm -rf "$mgr_base/staging"; mkdir -p "$mgr_base/staging"
  cp "${bulk_files[@]:0:$1}" "$mgr_base/staging/"
  t0=$(now_ms)
  mv "$mgr_base/staging/"* "$mgr_base/deploy/"
}

await_revision() {  # $1 = revision; every worker port in worker_ports; gives up after 5 minutes
  local port deadline=$(( $(now_ms) + 300000 ))
  for port in "${worker_ports[@]}"; do
    until [ "$(health_field "$port" revision)" = "$1" ]; do
      if [ "$(now_ms)" -gt "$deadline" ]; then
        echo "bench: the worker on port $port is at revision $(health_field "$port" revision), not $1, after 5 minutes;" \
          "the manager is at $(health_field $((9763 + moff)) repositoryRevision)" >&2
        exit 1
      fi
      sleep 0.05
    done
  done
}

parts=" ${PARTS:-latency ingest bulk late large egress} "
times_row() {  # $1 = label, $2 = results key: median / min / max of times, printed and recorded
  local a b c
  read -r a b c <<< "$(stats "${times[@]}")"
  printf '%-58s %22s\n' "$1" "$a / $b / $c"
  record "$2" "$a" "$b" "$c"
}
part() { [[ "$parts" == *" $1 "* ]]; }

echo "Replication ($(machine_line)); $runs runs, $drops drops per worker count" >&2
largest_bulk=${bulk_sizes[-1]}
[ "$late" -gt "$largest_bulk" ] && largest_bulk=$late
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" site "$drops"
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/bulk" bulk "$largest_bulk"
bulk_files=(); for i in $(seq 1 "$largest_bulk"); do bulk_files+=("$work/bulk/bulk-$i.zip"); done

# Drop-to-served, from one process (bench/DropLatency.java): prints "start_ms total_ms" per drop.
# $1 = folder or api, $2 = site prefix, $3 = how many (default $drops); sets times and starts.
timed_drops() {
  local lines line s t count=${3:-$drops}
  if [ "$1" = api ]; then
    readarray -t lines < <(java "$BENCH_ROOT/bench/DropLatency.java" api "https://127.0.0.1:$((9443 + moff))" \
      "$mgr_base/conf/security/management.crt" "$work/sites" "$2" "$count" "${worker_ports[@]}")
  else
    readarray -t lines < <(java "$BENCH_ROOT/bench/DropLatency.java" folder "$mgr_base/deploy" "$work/sites" "$2" \
      "$count" "${worker_ports[@]}")
  fi
  times=(); starts=()
  for line in "${lines[@]}"; do read -r s t <<< "$line"; starts+=("$s"); times+=("$t"); done
  [ "${#times[@]}" -eq "$count" ] || { echo "bench: $1 drops did not all complete" >&2; exit 1; }
}

# One row: the figures of the drops in times/starts, and where their time went, from the nodes' own
# log lines: the drop until the manager stored it (detect, validate, hash, commit), then until the
# last worker deployed it (announce, sync, fetch, write, deploy), then until the first 200 the bench
# saw. $1 = record key, $2 = site prefix, $3 = worker count, $4 = the first untimed drop of this path.
latency_row() {
  local key=$1 prefix=$2 n=$3 first=$4 i w at stored deployed t0 stores=() replications=() serves=()
  for i in $(seq 1 "$drops"); do
    stored=$(log_ms "$mgr_base" "Stored $prefix-$i.zip")
    deployed=0
    for w in $(seq 1 "$n"); do
      at=$(log_ms "$work/w-$w" "Deployed $prefix-$i.zip")
      [ "$at" -gt "$deployed" ] && deployed=$at
    done
    t0=${starts[$((i - 1))]}
    stores+=($(( stored - t0 ))); replications+=($(( deployed - stored ))); serves+=($(( t0 + ${times[$((i - 1))]} - deployed )))
  done
  local p50 p99 lo hi phases
  p50=$(percentile 50 "${times[@]}"); p99=$(percentile 99 "${times[@]}")
  lo=$(percentile 0 "${times[@]}"); hi=$(percentile 100 "${times[@]}")
  printf '%-8s %-7s %8s %8s %8s %8s %8s' "$n" "$([ "$key" = latency ] && echo folder || echo api)" "$p50" "$p99" \
    "$lo" "$hi" "$first"
  phases="$(percentile 50 "${stores[@]}") $(percentile 50 "${replications[@]}") $(percentile 50 "${serves[@]}")"
  printf '   p50 of: stored %s, on every worker +%s, first 200 +%s ms\n' $phases
  record "$key.$n" "$p50" "$p99" "$lo" "$hi" "$first"
  record "${key/latency/phases}.$n" $phases
}

if part latency; then
record latency.warmup "$warmup"
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" api "$drops"
if [ "$warmup" -gt 0 ]; then
  java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" warm "$warmup"
  java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" warmapi "$warmup"
fi
echo
echo "A small web app put in until HTTP 200 on every worker ($drops of each, after $warmup untimed): dropped into"
echo "the manager's deploy/ (folder), or uploaded with PUT /api/artifacts (api); first: the first untimed drop"
echo "(the folder's on the freshly started cluster, the API's after the folder's untimed drops)"
printf '%-8s %-7s %8s %8s %8s %8s %8s\n' workers path "p50 ms" "p99 ms" "min ms" "max ms" "first ms"
for n in "${worker_counts[@]}"; do
  progress "latency with $n worker(s): starting the cluster"
  start_cluster "$n"
  first_folder=-; first_api=-
  if [ "$warmup" -gt 0 ]; then
    progress "latency with $n worker(s): $warmup drops of each path to warm up"
    timed_drops folder warm "$warmup"; first_folder=${times[0]}
    timed_drops api warmapi "$warmup"; first_api=${times[0]}
  fi
  timed_drops folder site
  folder_times=("${times[@]}"); folder_starts=("${starts[@]}")
  timed_drops api api
  api_times=("${times[@]}"); api_starts=("${starts[@]}")
  times=("${folder_times[@]}"); starts=("${folder_starts[@]}")
  latency_row latency site "$n" "$first_folder"
  times=("${api_times[@]}"); starts=("${api_starts[@]}")
  latency_row latency-api api "$n" "$first_api"
  stop_cluster
done
fi

if part ingest; then
echo
printf '%-58s %22s\n' "bulk drop, recorded by a manager alone" "median / min / max ms"
size=${bulk_sizes[-1]}
times=()
for r in $(seq 1 "$runs"); do
  progress "ingest: $size web apps at once into a manager alone, run $r/$runs"
  start_manager
  await_ready $((9763 + moff))
  drop_many "$size" # sets t0 just before the mv
  until [ "$(health_field $((9763 + moff)) repositoryRevision)" = "$size" ]; do sleep 0.05; done
  times+=($(( $(now_ms) - t0 )))
  stop_cluster
done
times_row "$size web apps (mv until the last is committed)" "ingest.$size"
fi

if part bulk; then
echo
printf '%-58s %22s\n' "bulk drop, converged on 4 workers" "median / min / max ms"
for size in "${bulk_sizes[@]}"; do
  times=()
  for r in $(seq 1 "$runs"); do
    progress "bulk: $size web apps at once on 4 workers, run $r/$runs"
    start_cluster 4
    drop_many "$size" # sets t0 just before the mv
    await_revision "$size"
    times+=($(( $(now_ms) - t0 )))
    stop_cluster
  done
  times_row "$size web apps" "bulk.$size"
done
fi

if part late; then
progress "late join: a manager holding $late artifacts"
start_manager
await_ready $((9763 + moff))
drop_many "$late"
until [ "$(health_field $((9763 + moff)) repositoryRevision)" = "$late" ]; do sleep 0.1; done
times=()
for r in $(seq 1 "$runs"); do
  progress "late join: a new worker catching up $late artifacts, run $r/$runs"
  t0=$(now_ms)
  start_workers 1
  until [ "$(health_field "${worker_ports[0]}" revision)" = "$late" ] \
    && curl -s "http://127.0.0.1:${worker_ports[0]}/health" | grep -q '"ready":true'; do sleep 0.02; done
  times+=($(( $(now_ms) - t0 )))
  stop_node "$work/w-1"
done
stop_cluster
times_row "late joiner catching up $late artifacts (start.sh to ready)" "late.$late"
fi

if part large; then
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/large" large 1 --megabytes "$big_mb"
size_mb=$(( $(stat -c %s "$work/large/large.zip") / 1048576 ))
want=$(unzip -p "$work/large/large.zip" data.bin | sha256sum | cut -c1-64)
times=(); heaps=(); stored=(); fetches=(); deploys=(); copies=(); dds=()
for r in $(seq 1 "$runs"); do
  progress "large: the disk's own speed, cp + sync and dd conv=fsync of the same file, run $r/$runs"
  sync
  c0=$(now_ms); cp "$work/large/large.zip" "$work/copy.zip" && sync "$work/copy.zip"; copies+=($(( $(now_ms) - c0 )))
  rm -f "$work/copy.zip"; sync
  c0=$(now_ms); dd if="$work/large/large.zip" of="$work/copy.zip" bs=1M conv=fsync status=none; dds+=($(( $(now_ms) - c0 )))
  rm -f "$work/copy.zip"; sync
  progress "large: one $size_mb MB web app to 2 workers with -Xmx256m, run $r/$runs"
  start_manager
  WORKER_JAVA_OPTS="${WORKER_JAVA_OPTS:-} -Xmx256m" start_workers 2
  await_ready $((9763 + moff)) "${worker_ports[@]}"
  rm -f "$work/heap.stop"
  sample_peak_heap "$(cat "$work/w-1/data/carbide.pid")" "$work/heap.stop" > "$work/heap-1" &
  sample_peak_heap "$(cat "$work/w-2/data/carbide.pid")" "$work/heap.stop" > "$work/heap-2" &
  t0=$(now_ms)
  drop "$work/large/large.zip" large.zip
  for port in "${worker_ports[@]}"; do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/large/")" = 200 ]; do sleep 0.05; done
  done
  times+=($(( $(now_ms) - t0 )))
  touch "$work/heap.stop"; wait
  heaps+=("$(cat "$work/heap-1")" "$(cat "$work/heap-2")")
  # where the time went: the drop until the manager stored it, then each worker's fetch and deploy
  stored+=($(( $(log_ms "$mgr_base" "Stored large.zip") - t0 )))
  for w in 1 2; do
    line=$(grep -h "Took in large.zip" "$work/w-$w/logs/carbide.log" | tail -1)
    fetches+=("$(sed -n 's/.*disk in \([0-9]*\) ms.*/\1/p' <<< "$line")")
    deploys+=("$(sed -n 's/.*deployed in \([0-9]*\) ms.*/\1/p' <<< "$line")")
  done
  for port in "${worker_ports[@]}"; do
    got=$(curl -s "http://127.0.0.1:$port/large/data.bin" | sha256sum | cut -c1-64)
    [ "$got" = "$want" ] || { echo "bench: worker on port $port served different bytes for large.zip" >&2; exit 1; }
  done
  stop_cluster
done
read -r a b c <<< "$(stats "${times[@]}")"
read -r h hl hh <<< "$(stats "${heaps[@]}")"
mbps=$(( size_mb * 1000 / (a > 0 ? a : 1) ))
printf '%-58s %22s\n' "$size_mb MB web app served by 2 workers, ms" "$a / $b / $c"
printf '%-58s %22s\n' "  throughput per worker, MB/s (median run)" "$mbps"
printf '%-58s %22s\n' "  peak used heap of a worker (-Xmx256m), MiB" "$h / $hl / $hh"
read -r s sl sh <<< "$(stats "${stored[@]}")"
read -r f fl fh <<< "$(stats "${fetches[@]}")"
read -r d dl dh <<< "$(stats "${deploys[@]}")"
read -r cp cpl cph <<< "$(stats "${copies[@]}")"
read -r dd ddl ddh <<< "$(stats "${dds[@]}")"
printf '%-58s %22s\n' "  drop until stored by the manager, ms" "$s / $sl / $sh"
printf '%-58s %22s\n' "  a worker's fetch, verify and fsync, ms" "$f / $fl / $fh"
printf '%-58s %22s\n' "  ... MB/s per worker (median)" "$(( size_mb * 1000 / (f > 0 ? f : 1) ))"
printf '%-58s %22s\n' "  a worker's deploy (unpack), ms" "$d / $dl / $dh"
printf '%-58s %22s\n' "  reference: cp + sync of the same file, ms" "$cp / $cpl / $cph"
printf '%-58s %22s\n' "  ... MB/s (median)" "$(( size_mb * 1000 / (cp > 0 ? cp : 1) ))"
printf '%-58s %22s\n' "  reference: dd conv=fsync of the same file, ms" "$dd / $ddl / $ddh"
record "large.stored" "$s" "$sl" "$sh"
record "large.fetch" "$f" "$fl" "$fh"
record "large.fetchmbps" "$(( size_mb * 1000 / (f > 0 ? f : 1) ))"
record "large.deploy" "$d" "$dl" "$dh"
record "large.cp" "$cp" "$cpl" "$cph"
record "large.cpmbps" "$(( size_mb * 1000 / (cp > 0 ? cp : 1) ))"
record "large.dd" "$dd" "$ddl" "$ddh"
record "large.ms" "$a" "$b" "$c"
record "large.mb" "$size_mb"
record "large.mbps" "$mbps"
record "large.heap" "$h" "$hl" "$hh"
fi

if part egress; then
echo
printf '%-58s %22s\n' "one 64 MB web app to N workers" "sent/size, all served ms"
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/egress" egress 1 --megabytes 64
size=$(stat -c %s "$work/egress/egress.zip")
# side by side: workers fetching from their peers (as shipped), and from the manager alone (fan-out 0)
for n in "${worker_counts[@]}"; do
  for mode in ${EGRESS_MODES:-peers manager}; do
    progress "egress: one 64 MB web app to $n worker(s), fetched from the $mode"
    if [ "$mode" = peers ]; then start_cluster "$n"; else start_cluster "$n" -Dcarbide.replication.peerFanout=0; fi
    t0=$(now_ms)
    drop "$work/egress/egress.zip" egress.zip
    for port in "${worker_ports[@]}"; do
      until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/egress/")" = 200 ]; do sleep 0.02; done
    done
    ms=$(( $(now_ms) - t0 ))
    sleep 1.2 # the status file is written every second
    sent=$(grep -o '"bytesSent" *: *[0-9]*' "$mgr_base/data/status.json" | grep -o '[0-9]*$' | head -1)
    stop_cluster
    ratio=$(awk -v s="${sent:-0}" -v z="$size" 'BEGIN { printf "%.2f", s / z }')
    printf '%-58s %22s\n' "$n worker(s), from the $mode" "${ratio}x, $ms"
    if [ "$mode" = peers ]; then record "egress.$n" "$ratio" "$ms"; else record "egress-direct.$n" "$ratio" "$ms"; fi
  done
done
fi
