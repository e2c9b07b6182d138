#!/usr/bin/env bash
# The fleet behind Debian's HAProxy, driven by its manager (carbide.lb.*, bin/haproxy-reload.sh),
# on 127.0.0.1:
#  - throughput through HAProxy to 2 workers beside straight to one worker (wrk -t1 -c16, runs
#    alternating): a static 4 KB file and the example servlet;
#  - from a new worker's ready (/health 200) to its first request through HAProxy, and from kill -9
#    of that worker to HAProxy no longer sending to it (bench/LoadBalancerTimes.java);
#  - failed requests during a rolling restart (stop.sh, start.sh, back in rotation, next) of 4
#    workers under 200 requests/s: the integration test SingleClusterTopologyTest with 4 workers.
#   bench/loadbalancer.sh [runs] [seconds]     (default 5 runs of 10 s)
#   bench/loadbalancer.sh --quick              (1 run of 3 s)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
if [ "${1:-}" = --quick ]; then runs=1; seconds=3; else runs="${1:-5}"; seconds="${2:-10}"; fi
for tool in wrk haproxy; do
  command -v $tool >/dev/null || { echo "bench: the load balancer benchmark needs $tool (apt-get install -y $tool)" >&2; exit 2; }
done
work="$BENCH_WORK/loadbalancer"
moff=7400; lb_port=7480; host=bench.service.test
connections=16
for base in "$work"/mgr "$work"/w*; do [ -d "$base" ] && stop_node "$base"; done
[ -s "$work/mgr/lb/haproxy.pid" ] && kill $(cat "$work/mgr/lb/haproxy.pid") 2>/dev/null || true
rm -rf "$work"; mkdir -p "$work/site"
head -c 3072 /dev/urandom | base64 -w 76 | sed 's/^/<p>/; s/$/<\/p>/' > "$work/site/page.html"
(cd "$work/site" && jar cM0f "$work/static.zip" page.html)

cleanup() {
  stop_node "$work/mgr" # first, so it reloads HAProxy no more
  for base in "$work"/w*; do stop_node "$base"; done
  [ -s "$work/mgr/lb/haproxy.pid" ] && kill $(cat "$work/mgr/lb/haproxy.pid") 2>/dev/null
  true
}
trap cleanup EXIT
progress "starting a manager that drives HAProxy on 127.0.0.1:$lb_port, and 2 workers"
start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$work/mgr" -Dnode=bench-mgr \
  -Dcarbide.lb.serviceHost=$host -Dcarbide.lb.servicePort=$lb_port -Dcarbide.lb.managementPort=$((lb_port + 1)) \
  "-Dcarbide.lb.reloadCommand=$BENCH_DIST/bin/haproxy-reload.sh"
wk="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"
for i in 1 2; do
  start_node -Dprofile=worker -DportOffset=$((moff + i)) -Dcarbide.base="$work/w$i" -Dnode=bench-w$i \
    -Dcarbide.client.nodeHeader=true "$wk"
done
cp "$work/static.zip" "$work/mgr/deploy/"
cp "$BENCH_ROOT/examples/hello-servlet/target/hello-servlet.jar" "$work/mgr/deploy/"
direct=$((9763 + moff + 1))
await_http_200 $direct /static/page.html >/dev/null
await_http_200 $((direct + 1)) /hello >/dev/null
served_by() { curl -s -D - -o /dev/null -H "Host: $host" "http://127.0.0.1:$lb_port$1" | tr -d '\r' | sed -n 's/^[Xx]-[Cc]arbide-[Nn]ode: //p'; }
until [ "$(for _ in 1 2 3 4; do served_by /static/page.html; done | sort -u | wc -l)" -eq 2 ]; do sleep 0.2; done

load() {  # port path seconds [host header] -> requests/s
  local extra=()
  [ -n "${4:-}" ] && extra=(-H "Host: $4")
  wrk -t1 -c$connections -d"$3"s "${extra[@]}" "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ { printf "%d", $2 }'
}
paths=(/static/page.html /hello)
progress "warming up"
for path in "${paths[@]}"; do load $lb_port "$path" 5 $host >/dev/null; load $direct "$path" 5 >/dev/null; done
declare -A results
for r in $(seq 1 "$runs"); do
  for path in "${paths[@]}"; do
    rps=$(load $lb_port "$path" "$seconds" $host); results["$path lb"]+="$rps "
    progress "run $r/$runs: $path through HAProxy to 2 workers: $rps requests/s"
    rps=$(load $direct "$path" "$seconds"); results["$path direct"]+="$rps "
    progress "run $r/$runs: $path straight to one worker: $rps requests/s"
  done
done

progress "a third worker: from ready to its first request through HAProxy, then from kill -9 to out"
javac -d "$work/classes" "$BENCH_ROOT/bench/LoadBalancerTimes.java"
joins=(); outs=()
for r in $(seq 1 "$runs"); do
  rm -rf "$work/w3"
  start_node -Dprofile=worker -DportOffset=$((moff + 3)) -Dcarbide.base="$work/w3" -Dnode=bench-w3 \
    -Dcarbide.client.nodeHeader=true "$wk" &
  joins+=("$(java -cp "$work/classes" LoadBalancerTimes join $lb_port $host bench-w3 $((9763 + moff + 3)) /static/page.html)")
  wait
  outs+=("$(java -cp "$work/classes" LoadBalancerTimes kill "$work/mgr/lb/haproxy.sock" bench-w3 "$(cat "$work/w3/data/carbide.pid")")")
  progress "run $r/$runs: ready to first request ${joins[-1]} ms, kill -9 to out ${outs[-1]} ms"
  # the next run starts once the manager's file no longer lists the dead worker
  until ! grep -q "server bench-w3 " "$work/mgr/lb/haproxy.cfg"; do sleep 0.2; done
done
cleanup
trap - EXIT

workers=4
progress "rolling restart of $workers workers under 200 requests/s (the SingleClusterTopologyTest integration test)"
rm -f "$BENCH_ROOT/itests/target/rolling-restart.txt"
(cd "$BENCH_ROOT" && mvn -B -q -o -pl itests test -Dtest=SingleClusterTopologyTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcarbide.itest.rollingWorkers=$workers -Dcarbide.dist="$BENCH_DIST" >/dev/null 2>&1) || true
rolling="$(cat "$BENCH_ROOT/itests/target/rolling-restart.txt" 2>/dev/null || echo "the rolling restart did not finish; see itests/target/surefire-reports")"
rolling_sent=$(sed -n 's/.*: \([0-9]*\) requests in .*/\1/p' <<< "$rolling")
rolling_failed=$(sed -n 's/.* \([0-9]*\) failed;.*/\1/p' <<< "$rolling")

echo
echo "The fleet behind HAProxy on 127.0.0.1 (wrk, 1 thread, $connections connections, $runs x ${seconds} s; $(machine_line))"
printf '%-28s %26s %26s %8s\n' "" "through HAProxy, 2 workers" "straight to one worker" "ratio"
for path in "${paths[@]}"; do
  # shellcheck disable=SC2086
  read -r lm ll lh <<< "$(stats ${results["$path lb"]})"
  # shellcheck disable=SC2086
  read -r dm dl dh <<< "$(stats ${results["$path direct"]})"
  case "$path" in /hello) label="example servlet, req/s"; key=servlet ;; *) label="static 4 KB file, req/s"; key=static ;; esac
  printf '%-28s %26s %26s %7d%%\n' "$label" "$lm / $ll / $lh" "$dm / $dl / $dh" $(( lm * 100 / (dm > 0 ? dm : 1) ))
  record "lb.$key.haproxy" "$lm" "$ll" "$lh"
  record "lb.$key.direct" "$dm" "$dl" "$dh"
done
read -r jm jl jh <<< "$(stats "${joins[@]}")"
read -r km kl kh <<< "$(stats "${outs[@]}")"
echo "ready to first request through HAProxy: $jm / $jl / $jh ms; kill -9 to out of HAProxy: $km / $kl / $kh ms"
echo "$rolling"
record lb.join "$jm" "$jl" "$jh"
record lb.kill "$km" "$kl" "$kh"
[ -n "$rolling_failed" ] && record lb.rolling "$rolling_failed" "$rolling_sent" "$workers"
echo "(each cell: median / min / max)"
