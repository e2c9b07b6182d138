#!/usr/bin/env bash
# A fleet holding many web applications: what a worker spends taking in a thousand at once, and
# whether it serves one of them as fast as when it held only that one. A manager and 4 workers;
# one small web app first, then a worker's throughput on it (wrk, after a warm-up); then the other
# APPS - 1 moved into the manager's deploy/ with one mv, timed until the manager committed the last
# and until every worker applied it, with the CPU each JVM used meanwhile (from /proc/PID/task/*/stat:
# the whole process, and the deployment thread of a worker, which unpacks and publishes); then the
# same worker's throughput on the same web app again, holding them all. A fresh cluster per run.
#
#   bench/many-apps.sh [runs] [apps]        (default 3 runs of 1000)
#   BENCH_WORK=/dev/shm/bench bench/many-apps.sh   (on memory: this machine's disk adds kernel time
#                                                   to file operations that grows from run to run)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_require_dist
command -v wrk >/dev/null || { echo "bench: many-apps needs wrk (Debian: apt-get install -y wrk)" >&2; exit 2; }
runs="${1:-3}"; apps="${2:-1000}"; workers=4; seconds=5
work="$BENCH_WORK/many-apps"; rm -rf "$work"; mkdir -p "$work"
moff=7400; mgr="$work/mgr"; mport=$((9763 + moff))
wk="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"
bases=()
stop_all() { for b in "${bases[@]}"; do stop_node "$b"; done; bases=(); }
trap stop_all EXIT
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/apps" app "$apps"
hz=$(getconf CLK_TCK)

cpu_ms() {  # $1 $2 = thread_ticks snapshots before and after; $3 = a thread name, or empty for all
  awk -v hz="$hz" -v only="$3" 'NR == FNR { before[$2] = $1; next }
    only == "" || index($2, only) == 1 { t += $1 - before[$2] } END { printf "%d", t * 1000 / hz }' "$1" "$2"
}
throughput() {  # $1 = port, $2 = path: requests per second after a warm-up of the same length
  wrk -t1 -c16 -d"$seconds"s "http://127.0.0.1:$1$2" > /dev/null
  wrk -t1 -c16 -d"$seconds"s "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ { printf "%d", $2 }'
}

converge=(); committed=(); mgr_cpu=(); wkr_cpu=(); deploy_cpu=(); one=(); many=()
for r in $(seq 1 "$runs"); do
  progress "run $r/$runs: a manager and $workers workers"
  start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$mgr" -Dnode=bench-mgr
  bases+=("$mgr"); ports=()
  for i in $(seq 1 $workers); do
    start_node -Dprofile=worker -DportOffset=$((moff + i)) -Dcarbide.base="$work/w-$i" -Dnode="bench-w$i" "$wk"
    bases+=("$work/w-$i"); ports+=($((9763 + moff + i)))
  done
  await_ready "$mport" "${ports[@]}"
  cp "$work/apps/app-1.zip" "$mgr/deploy/.app-1.part"; mv "$mgr/deploy/.app-1.part" "$mgr/deploy/app-1.zip"
  for p in "${ports[@]}"; do until [ "$(health_field "$p" revision)" = 1 ]; do sleep 0.05; done; done
  progress "run $r/$runs: a worker serving /app-1/ alone"
  one+=("$(throughput "${ports[0]}" /app-1/index.html)")

  progress "run $r/$runs: $((apps - 1)) more at once"
  mkdir -p "$work/staging"; cp "$work"/apps/*.zip "$work/staging/"; rm "$work/staging/app-1.zip"
  for b in "${bases[@]}"; do thread_ticks "$(cat "$b/data/carbide.pid")" > "$b.t0"; done
  t0=$(now_ms)
  mv "$work/staging/"* "$mgr/deploy/"
  until [ "$(health_field "$mport" repositoryRevision)" = "$apps" ]; do sleep 0.05; done
  committed+=($(( $(now_ms) - t0 )))
  for p in "${ports[@]}"; do until [ "$(health_field "$p" revision)" = "$apps" ]; do sleep 0.05; done; done
  converge+=($(( $(now_ms) - t0 )))
  for b in "${bases[@]}"; do thread_ticks "$(cat "$b/data/carbide.pid")" > "$b.t1"; done
  mgr_cpu+=("$(cpu_ms "$mgr.t0" "$mgr.t1" "")")
  for i in $(seq 1 $workers); do
    wkr_cpu+=("$(cpu_ms "$work/w-$i.t0" "$work/w-$i.t1" "")")
    deploy_cpu+=("$(cpu_ms "$work/w-$i.t0" "$work/w-$i.t1" carbide-deploym)")
  done
  progress "run $r/$runs: the same worker serving /app-1/ among $apps"
  many+=("$(throughput "${ports[0]}" /app-1/index.html)")
  stop_all
  rm -rf "$work/staging" "$mgr" "$work"/w-*
done

row() {  # $1 = label, $2 = results key, then the figures
  local label=$1 key=$2 a b c; shift 2
  read -r a b c <<< "$(stats "$@")"
  printf '%-64s %22s\n' "$label" "$a / $b / $c"
  record "$key" "$a" "$b" "$c"
}
echo "Many web applications: $apps on $workers workers ($runs runs; $(machine_line))"
printf '%-64s %22s\n' "" "median / min / max"
row "$((apps - 1)) moved in, until the manager committed the last, ms" "many.committed" "${committed[@]}"
row "... until every worker applied the last, ms" "many.converged" "${converge[@]}"
row "CPU the manager used meanwhile, ms" "many.cpu.manager" "${mgr_cpu[@]}"
row "CPU a worker used meanwhile, ms" "many.cpu.worker" "${wkr_cpu[@]}"
row "... of which its deployment thread (unpack, publish, state), ms" "many.cpu.deploy" "${deploy_cpu[@]}"
row "a worker serving one web app it holds alone, req/s" "many.serving.one" "${one[@]}"
row "... the same web app while it holds $apps, req/s" "many.serving.many" "${many[@]}"
