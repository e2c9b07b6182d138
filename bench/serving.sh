#!/usr/bin/env bash
# Client throughput of one worker against bare Jetty 12 (the same Jetty that Felix HTTP embeds,
# started on its own with the same JVM flags, no OSGi, and the same resource features on: ETags,
# ranges, precompressed files, a 16 MB cache of small files): a static 4 KB file, 64 KB ranges of a 10 MB file, and the example
# servlet, loaded with wrk on 127.0.0.1 for a fixed time. The worker gets its artifacts from a manager,
# which is then stopped so that both servers run alone. After a warm-up, runs alternate between
# the two servers; each figure is requests per second, median / min / max over the runs.
#   bench/serving.sh [runs] [seconds]     (default 5 runs of 10 s)
#   bench/serving.sh --quick              (1 run of 3 s)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
if [ "${1:-}" = --quick ]; then runs=1; seconds=3; else runs="${1:-5}"; seconds="${2:-10}"; fi
command -v wrk >/dev/null || { echo "bench: serving needs wrk (Debian: apt-get install -y wrk)" >&2; exit 2; }
work="$BENCH_WORK/serving"
moff=7300; woff=7301; jetty_port=7399
connections=16
flags="$(grep -v '^\s*#' "$BENCH_DIST/conf/jvm.options" | xargs)"

rm -rf "$work/mgr" "$work/w" "$work/site"; mkdir -p "$work/site"
# the static site: one 4 KB page and a 10 MB file, as a web app zip for the worker and as a folder for Jetty
head -c 3072 /dev/urandom | base64 -w 76 | sed 's/^/<p>/; s/$/<\/p>/' > "$work/site/page.html"
head -c $((10 * 1024 * 1024)) /dev/urandom > "$work/site/big.bin"
(cd "$work/site" && jar cM0f "$work/static.zip" page.html big.bin)
range="Range: bytes=1048576-1114111"

if [ ! -d "$work/lib" ]; then
  progress "fetching Jetty 12.0.32 from Maven Central"
  mvn -q -B -f "$BENCH_ROOT/bench/bare-jetty/pom.xml" dependency:copy-dependencies -DoutputDirectory="$work/lib"
fi

progress "deploying the static site and the example servlet to a worker"
wk="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"
start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$work/mgr" -Dnode=bench-mgr
start_node -Dprofile=worker -DportOffset=$woff -Dcarbide.base="$work/w" -Dnode=bench-w1 "$wk"
jetty_pid=""
trap 'stop_node "$work/w"; stop_node "$work/mgr"; [ -n "$jetty_pid" ] && kill "$jetty_pid" 2>/dev/null; true' EXIT
cp "$work/static.zip" "$work/mgr/deploy/"
cp "$BENCH_ROOT/examples/hello-servlet/target/hello-servlet.jar" "$work/mgr/deploy/"
carbide=$((9763 + woff))
await_http_200 $carbide /static/page.html >/dev/null
await_http_200 $carbide /hello >/dev/null
stop_node "$work/mgr"

progress "starting bare Jetty with the same JVM flags ($flags)"
# shellcheck disable=SC2086
java $flags -cp "$work/lib/*" "$BENCH_ROOT/bench/bare-jetty/BareJetty.java" $jetty_port static "$work/site" \
  > "$work/jetty.log" 2>&1 &
jetty_pid=$!
await_http_200 $jetty_port /static/page.html >/dev/null
cmp -s <(curl -s "http://127.0.0.1:$carbide/static/page.html") <(curl -s "http://127.0.0.1:$jetty_port/static/page.html") \
  || { echo "bench: the worker and Jetty serve different bytes" >&2; exit 1; }
for target in "$carbide" "$jetty_port"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$range" "http://127.0.0.1:$target/static/big.bin")
  [ "$code" = 206 ] || { echo "bench: 127.0.0.1:$target answered $code to a range request, not 206" >&2; exit 1; }
done

load() {  # port path seconds -> requests/s; /static/big.bin is asked for 64 KB ranges
  local header=()
  [ "$2" = /static/big.bin ] && header=(-H "$range")
  wrk -t1 -c$connections -d"$3"s "${header[@]}" "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ { printf "%d", $2 }'
}
paths=(/static/page.html /static/big.bin /hello)

for target in "$carbide" "$jetty_port"; do
  progress "warming up 127.0.0.1:$target"
  for path in "${paths[@]}"; do load "$target" "$path" 5 >/dev/null; done
done

declare -A results
for r in $(seq 1 "$runs"); do
  for path in "${paths[@]}"; do
    for target in "$carbide" "$jetty_port"; do
      rps=$(load "$target" "$path" "$seconds")
      results["$path $target"]+="$rps "
      progress "run $r/$runs: $path on $([ "$target" = "$carbide" ] && echo worker || echo 'bare Jetty'): $rps requests/s"
    done
  done
done

echo
echo "Client throughput on 127.0.0.1 (wrk, 1 thread, $connections connections, $runs x ${seconds} s; $(machine_line))"
printf '%-30s %24s %24s %8s\n' "" "Carbide worker" "bare Jetty 12" "ratio"
for path in "${paths[@]}"; do
  # shellcheck disable=SC2086
  read -r cm cl ch <<< "$(stats ${results["$path $carbide"]})"
  # shellcheck disable=SC2086
  read -r jm jl jh <<< "$(stats ${results["$path $jetty_port"]})"
  case "$path" in
    /hello) label="example servlet, req/s"; key=servlet ;;
    /static/big.bin) label="64 KB ranges of 10 MB, req/s"; key=range ;;
    *) label="static 4 KB file, req/s"; key=static ;;
  esac
  printf '%-30s %24s %24s %7d%%\n' "$label" "$cm / $cl / $ch" "$jm / $jl / $jh" $(( cm * 100 / (jm > 0 ? jm : 1) ))
  record "serving.$key.carbide" "$cm" "$cl" "$ch"
  record "serving.$key.jetty" "$jm" "$jl" "$jh"
done
echo "(each cell: median / min / max)"
