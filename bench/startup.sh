#!/usr/bin/env bash
# Cold start, per profile, on a fresh base folder each time (empty framework cache), alone (no
# manager to join): from running bin/start.sh until
#   serving: the client port answers (/health, 200 or 503),
#   ready:   /health answers 200 (every bundle started, the first cluster join attempt over, and,
#            with a manager up, caught up with it),
# and the launcher's own figure (JVM start to every bundle ACTIVE). Median of N runs.
#   bench/startup.sh [runs]        (default 5)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
runs="${1:-5}"
offset=7100

echo "Cold start to ready ($runs runs per profile; $(machine_line))"
printf '%-9s %14s %14s %14s %14s %16s\n' profile "serving p50" "ready p50" "ready min" "ready max" "launcher p50"
for profile in worker manager default; do
  serving=(); totals=(); reported=()
  for i in $(seq 1 "$runs"); do
    base="$BENCH_WORK/startup/$profile-$i"
    "$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$base" >/dev/null 2>&1 || true
    rm -rf "$base"
    t0=$(now_ms)
    trap '"$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$base" >/dev/null 2>&1' EXIT
    "$BENCH_DIST/bin/start.sh" --background -Dprofile="$profile" -DportOffset=$offset -Dcarbide.base="$base" >/dev/null
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
