#!/usr/bin/env bash
# Cold start to ready, per profile: from running bin/start.sh until GET /health answers 200,
# on a fresh base folder each time (empty framework cache). Prints a table; median of N runs.
#   bench/startup.sh [runs]        (default 5)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
runs="${1:-5}"
offset=7100

echo "Cold start to ready ($runs runs per profile; $(machine_line))"
printf '%-9s %12s %12s %12s %22s\n' profile "median ms" "min ms" "max ms" "launcher-reported ms"
for profile in worker manager default; do
  totals=(); reported=()
  for i in $(seq 1 "$runs"); do
    base="$BENCH_WORK/startup/$profile-$i"
    rm -rf "$base"
    t0=$(now_ms)
    "$BENCH_DIST/bin/start.sh" --background -Dprofile="$profile" -DportOffset=$offset -Dcarbide.base="$base" >/dev/null
    t1=$(await_http_200 $((9763 + offset)) /health)
    totals+=($((t1 - t0)))
    reported+=("$(launcher_ready_ms "$base")")
    "$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$base" >/dev/null
    printf '.' >&2
  done
  printf '\r' >&2
  read -r med min max <<< "$(stats "${totals[@]}")"
  read -r rmed _ _ <<< "$(stats "${reported[@]}")"
  printf '%-9s %12s %12s %12s %22s\n' "$profile" "$med" "$min" "$max" "$rmed"
done
