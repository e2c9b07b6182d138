#!/usr/bin/env bash
# Every Carbide benchmark in one run, on this machine, with real nodes started from the assembled
# distribution on 127.0.0.1: start time and memory beside Apache Karaf 4.4.10 and a bare Felix +
# Jetty floor, a worker's memory beside a manager's, cluster membership, replication (1 to 8
# workers, bulk, late join, a large artifact), client throughput beside bare Jetty 12, and the fleet
# behind HAProxy (throughput, time into and out of rotation, a rolling restart under load).
# It prints progress while it runs, then a summary, and writes docs/benchmarks.md with the
# figures (median / min / max of the runs), PNG plots in docs/ and the raw figures in
# docs/results/. Nothing here asserts a time.
#   bench/run.sh             the full run: 5 runs of everything (about an hour on 2 cores)
#   bench/run.sh --quick     a smoke run: 1 run each, shorter loads (about 5 minutes), reported
#                            in bench/target/quick-report/ so the published figures stay
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=full
[ "${1:-}" = --quick ] && mode=quick
for tool in curl jstat jcmd wrk unzip sha256sum mvn haproxy; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (wrk: apt-get install -y wrk)" >&2; exit 2; }
done
if [ ! -x "$BENCH_DIST/bin/start.sh" ]; then
  echo "Building the distribution (mvn -B -q package -DskipTests)..." >&2
  (cd "$BENCH_ROOT" && mvn -B -q package -DskipTests)
fi

mkdir -p "$BENCH_WORK/results"
export BENCH_RESULTS="$BENCH_WORK/results/$(date -u +%Y%m%dT%H%M%SZ)-$mode.txt"
: > "$BENCH_RESULTS"
record meta.date "$(date -u +%Y-%m-%d)"
record meta.mode "$mode"
record meta.machine "$(machine_line | cut -d, -f1,2)"
record meta.jvm "$(java -version 2>&1 | head -n 1)"
fstype=$(df --output=fstype "$BENCH_WORK" | tail -n 1 | xargs)
record meta.work "$([ "$fstype" = tmpfs ] && echo "tmpfs (memory)" || echo "$fstype (the machine's disk)")"
record meta.flags "$(grep -v '^\s*#' "$BENCH_DIST/conf/jvm.options" | xargs)"

if [ "$mode" = quick ]; then
  steps=("peers.sh 1 5" "memory.sh --quick" "cluster.sh 1" "replication.sh --quick" "drop-cpu.sh 30 30"
    "many-apps.sh 1 200" "serving.sh --quick" "loadbalancer.sh --quick" "cli.sh 3" "managers.sh --quick")
else
  steps=("peers.sh 5 15" "memory.sh 5 15" "cluster.sh 5" "replication.sh 5" "drop-cpu.sh 150 150"
    "many-apps.sh 3" "serving.sh 5 10" "loadbalancer.sh 5 10" "cli.sh 15" "managers.sh 10")
fi
titles=("start time and memory beside Karaf and the Felix + Jetty floor" "a worker's memory beside a manager's"
  "cluster membership" "replication" "where a drop's CPU goes" "a fleet holding many web apps" "client throughput beside bare Jetty"
  "the fleet behind HAProxy" "the command line" "the managers' consensus")

started=$(now_ms)
failed=()
for i in "${!steps[@]}"; do
  read -r script args <<< "${steps[$i]}"
  log="${BENCH_RESULTS%.txt}-${script%.sh}.log"
  echo "[$((i + 1))/${#steps[@]}] ${titles[$i]} (bench/$script $args) - $(( ($(now_ms) - started) / 1000 )) s in" >&2
  # shellcheck disable=SC2086
  if ! "$BENCH_ROOT/bench/$script" $args > "$log" 2> >(tee -a "$log" >&2); then
    echo "bench: $script failed; its output is in $log" >&2
    failed+=("$script")
    record "failed.${script%.sh}" 1
  fi
done

# a smoke run never overwrites the published figures
if [ "$mode" = full ]; then
  report_dir="$BENCH_ROOT/docs"
  mkdir -p "$report_dir/results"
  # earlier runs' raw figures stay: the notes and the re-measured sections link to them
  cp "$BENCH_RESULTS" "$report_dir/results/"
else
  report_dir="$BENCH_WORK/quick-report"
  mkdir -p "$report_dir"
fi
echo "Writing $report_dir/benchmarks.md and the plots..." >&2
java "$BENCH_ROOT/bench/Report.java" "$BENCH_RESULTS" "$report_dir"
echo "Done in $(( ($(now_ms) - started) / 1000 )) s; raw figures in $BENCH_RESULTS" >&2
[ ${#failed[@]} -eq 0 ] || { echo "bench: failed steps: ${failed[*]}" >&2; exit 1; }
