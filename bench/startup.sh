#!/usr/bin/env bash
# Cold start, per profile, on a fresh base folder each time (empty framework cache): from running
# bin/start.sh until
#   serving: the client port answers (/health, 200 or 503),
#   ready:   /health answers 200 (every bundle started, the first cluster join attempt over, and,
#            for a worker, caught up with its manager: a worker alone is never ready, it has
#            nothing to serve; so the workers join a manager started once beforehand, and the
#            managers and default nodes start alone),
# and the launcher's own figure (JVM start to every bundle ACTIVE). Median of N runs.
#   bench/startup.sh [runs]        (default 5)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
runs="${1:-5}"
offset=7100
mgr_offset=7098
mgr_base="$BENCH_WORK/startup/manager-for-workers"
# the first start of each profile records its class-data archive (lib/cds/) when it stops; the
# figures are for the starts after it, as users see them
record_class_data "$BENCH_DIST" $mgr_offset default manager worker
trap 'stop_node "$mgr_base"' EXIT
rm -rf "$mgr_base"
start_node -Dprofile=manager -DportOffset=$mgr_offset -Dcarbide.base="$mgr_base" -Dnode=bench-startup-mgr
await_ready $((9763 + mgr_offset))

echo "Cold start to ready ($runs runs per profile; $(machine_line))"
printf '%-9s %14s %14s %14s %14s %16s\n' profile "serving p50" "ready p50" "ready min" "ready max" "launcher p50"
for profile in worker manager default; do
  serving=(); totals=(); reported=()
  for i in $(seq 1 "$runs"); do
    base="$BENCH_WORK/startup/$profile-$i"
    "$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$base" >/dev/null 2>&1 || true
    rm -rf "$base"
    t0=$(now_ms)
    trap '"$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$base" >/dev/null 2>&1; stop_node "$mgr_base"' EXIT
    joins=()
    [ "$profile" = worker ] && joins=("-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + mgr_offset))]")
    "$BENCH_DIST/bin/start.sh" --background -Dprofile="$profile" -DportOffset=$offset -Dcarbide.base="$base" \
      -Dcarbide.drain.seconds=0 "${joins[@]}" >/dev/null
    ts=$(await_http_200 $((9763 + offset)) /health 60000 '200|503')
    t1=$(await_http_200 $((9763 + offset)) /health)
    serving+=($((ts - t0)))
    totals+=($((t1 - t0)))
    reported+=("$(launcher_ready_ms "$base")")
    "$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$base" >/dev/null
    printf '.' >&2
  done
  printf '\r' >&2
  read -r med min max <<< "$(stats "${totals[@]}")"
  read -r smed _ _ <<< "$(stats "${serving[@]}")"
  read -r rmed _ _ <<< "$(stats "${reported[@]}")"
  printf '%-9s %14s %14s %14s %14s %16s\n' "$profile" "$smed" "$med" "$min" "$max" "$rmed"
done
