#!/usr/bin/env bash
# Carbide beside Apache Karaf 4.4.10, same machine, same run, same JVM flags: cold start to ready
# and resident memory 15 s after ready. Karaf comes from Maven Central (unpacked under
# bench/target/peers) and counts as ready when its SSH port (8101) accepts connections; a Carbide
# node when /health answers 200; a worker with its manager up (joined and caught up), and alone
# ("lone": its first join attempt waits for nobody). Its client port serving (/health answering
# at all) is recorded too. Before the timed runs, one untimed start of each profile lets the
# installation record that profile's class data sharing archive (lib/cds/), as any installation
# does on its first starts. "floor" is Felix with Felix HTTP Jetty 12 and its few dependencies
# (plus SCR and ConfigAdmin), started by the same launcher from a copy of the distribution with
# one extra profile: the least a node could cost; ready when HTTP answers. Each start uses a fresh
# data folder.
#   bench/peers.sh [runs] [settle-seconds]    (default 5 runs, 15 s)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
runs="${1:-5}"
settle="${2:-15}"
work="$BENCH_WORK/peers"
karaf_version=4.4.10
karaf="$work/apache-karaf-$karaf_version"
# with -Xms32m -Xmx512m: the flags of Carbide's conf/jvm.options (C2's later thresholds included)
flags="-XX:+UseSerialGC -Xss512k -XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=10000"
flags="$flags -XX:Tier4CompileThreshold=60000 -XX:Tier4BackEdgeThreshold=400000"

mkdir -p "$work"
if [ ! -x "$karaf/bin/start" ]; then
  echo "Fetching Apache Karaf $karaf_version from Maven Central..." >&2
  mvn -q -B dependency:copy -Dartifact="org.apache.karaf:apache-karaf:$karaf_version:tar.gz" -DoutputDirectory="$work"
  tar xzf "$work/apache-karaf-$karaf_version.tar.gz" -C "$work"
fi
if [ ! -d "$work/karaf-data-pristine" ]; then
  rm -rf "$karaf" && tar xzf "$work/apache-karaf-$karaf_version.tar.gz" -C "$work"
  cp -r "$karaf/data" "$work/karaf-data-pristine"
fi

# the floor: a copy of the distribution with a profile of only the framework and http features
floor="$work/floor-distribution"
rm -rf "$floor"; cp -r "$BENCH_DIST" "$floor"
printf 'description = Felix with Felix HTTP Jetty 12 only (benchmark floor)\nroles = worker\nfeatures = framework, http\n' \
  > "$floor/profiles/floor.profile"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

karaf_run() {  # prints "ms rss_mib heap_mib 0"
  rm -rf "$karaf/data"; cp -r "$work/karaf-data-pristine" "$karaf/data"
  local t0 t1 pid rss heap
  t0=$(now_ms)
  JAVA_MIN_MEM=32M JAVA_MAX_MEM=512M EXTRA_JAVA_OPTS="$flags" "$karaf/bin/start" >/dev/null 2>&1
  until port_open 8101; do sleep 0.02; done
  t1=$(now_ms)
  pid=$(pgrep -f "karaf.home=$karaf" | head -n 1)
  sleep "$settle"
  rss=$(rss_mib "$pid")
  heap=$(jstat -gc "$pid" | awk 'NR == 2 { printf "%d", ($3 + $4 + $6 + $8) / 1024 }')
  "$karaf/bin/stop" >/dev/null 2>&1 || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "$((t1 - t0)) $rss $heap 0"  # Karaf has no client port to time
}

# A worker is ready once it has joined and caught up with its manager, so "worker" starts while a
# manager (not timed) runs, as workers do in a fleet; "lone" is a worker with no manager at all,
# which is never ready (nothing to serve, no manager): it is timed until /health says so
# ("refused"), with no start grace, i.e. until its first join attempt has found nobody.
peer_manager="$work/peer-manager"
peer_manager_offset=7510
ensure_peer_manager() {
  if ! "$BENCH_DIST/bin/status.sh" -Dcarbide.base="$peer_manager" >/dev/null 2>&1; then
    JAVA_OPTS="$flags" start_node -Dprofile=manager -DportOffset=$peer_manager_offset -Dcarbide.base="$peer_manager"
    await_ready $((9763 + peer_manager_offset))
  fi
}
trap 'stop_node "$peer_manager"' EXIT

carbide_run() {  # $1 = floor, worker, lone, manager or default; prints "ms rss_mib heap_mib serving_ms"
  local base="$work/carbide-$1" offset=7500 t0 ts t1 pid rss heap dist="$BENCH_DIST" ready='200' profile="$1" extra=()
  if [ "$1" = floor ]; then dist="$floor"; ready='404'; fi  # nothing is deployed: Jetty answering is ready
  if [ "$1" = lone ]; then profile=worker; extra=(-Dcarbide.health.startGraceSeconds=0); fi
  if [ "$1" = worker ]; then
    ensure_peer_manager
    extra=("-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + peer_manager_offset))]")
  fi
  extra+=(-Dcarbide.drain.seconds=0)  # stops are not timed
  "$dist/bin/stop.sh" -Dcarbide.base="$base" >/dev/null 2>&1 || true
  # a fresh data folder each time; conf/ (cluster secret, TLS key, users) stays, as Karaf's etc/ does
  rm -rf "$base/data" "$base/logs" "$base/deploy"
  t0=$(now_ms)
  JAVA_OPTS="$flags" "$dist/bin/start.sh" --background -Dprofile="$profile" -DportOffset=$offset -Dcarbide.base="$base" \
    ${extra[@]+"${extra[@]}"} >/dev/null
  ts=$(await_http_200 $((9763 + offset)) "$([ "$1" = floor ] && echo / || echo /health)" 60000 "$ready|503")
  if [ "$1" = lone ]; then
    until curl -s --max-time 1 "http://127.0.0.1:$((9763 + offset))/health" | grep -q '"state":"refused"'; do sleep 0.01; done
    t1=$(now_ms)
  else
    t1=$(await_http_200 $((9763 + offset)) "$([ "$1" = floor ] && echo / || echo /health)" 60000 "$ready")
  fi
  pid=$(cat "$base/data/carbide.pid")
  sleep "$settle"
  rss=$(rss_mib "$pid")
  heap=$(jstat -gc "$pid" | awk 'NR == 2 { printf "%d", ($3 + $4 + $6 + $8) / 1024 }')
  "$dist/bin/stop.sh" -Dcarbide.base="$base" >/dev/null
  echo "$((t1 - t0)) $rss $heap $((ts - t0))"
}

echo "Peers ($runs runs each, ${settle} s settle; $(machine_line))" >&2
# the first start of each profile records its class data sharing archive when it stops
JAVA_OPTS="$flags" record_class_data "$BENCH_DIST" 7500 default manager worker
JAVA_OPTS="$flags" record_class_data "$floor" 7500 floor
names=(karaf floor worker lone manager default)
declare -A start rss heap serving
for name in "${names[@]}"; do
  s=(); r=(); h=(); v=()
  for i in $(seq 1 "$runs"); do
    if [ "$name" = karaf ]; then read -r a b c d <<< "$(karaf_run)"; else read -r a b c d <<< "$(carbide_run "$name")"; fi
    s+=("$a"); r+=("$b"); h+=("$c"); v+=("$d")
    progress "$(printf '%-8s run %d/%d: ready %d ms, RSS %d MiB, heap %d MiB' "$name" "$i" "$runs" "$a" "$b" "$c")"
  done
  start[$name]="$(stats "${s[@]}")"; rss[$name]="$(stats "${r[@]}")"; heap[$name]="$(stats "${h[@]}")"
  serving[$name]="$(stats "${v[@]}")"
  record "start.$name" ${start[$name]}
  record "serving.port.$name" ${serving[$name]}
  record "rss.$name" ${rss[$name]}
  record "heap.$name" ${heap[$name]}
done
record "settle" "$settle"

median() { echo "$1" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d%%", (a * 100) / b }'; }
row() {  # label, then the array holding the cells
  local -n cells=$2
  local name line
  line=$(printf '%-30s' "$1")
  for name in "${names[@]}"; do line+=$(printf ' %18s' "${cells[$name]// / / }"); done
  echo "$line"
}
line=$(printf '%-30s' "")
for label in "Karaf $karaf_version" "Felix+Jetty floor" "Carbide worker" "worker, no manager" "Carbide manager" \
  "Carbide default"; do
  line+=$(printf ' %18s' "$label")
done
echo "$line"
row "cold start to ready, ms" start
row "client port serving, ms" serving
row "RSS ${settle} s after ready, MiB" rss
row "used heap, MiB" heap
echo "(each cell: median / min / max)"
echo
echo "worker start time: $(ratio "$(median "${start[worker]}")" "$(median "${start[karaf]}")") of Karaf's (target at most 25%); manager: $(ratio "$(median "${start[manager]}")" "$(median "${start[karaf]}")") (target at most 35%)"
echo "worker RSS: $(ratio "$(median "${rss[worker]}")" "$(median "${rss[karaf]}")") of Karaf's (target at most 35%); $(ratio "$(median "${rss[worker]}")" "$(median "${rss[manager]}")") of the manager's (target at most 75%)"
