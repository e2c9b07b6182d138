#!/usr/bin/env bash
# What a worker that is ahead of its manager costs that manager while nobody acts: a manager with
# 300 small web apps and one worker; the manager's base copied aside, one more drop, then the
# manager put back from the copy, so the worker runs a change the manager lost and refuses its state
# (docs/design.md, "Lineage"). Counted: the bytes the manager's sockets sent and had acknowledged
# (ss's bytes_acked, summed over the manager's connections) over 120 s, from the second minute of
# that state on. Announcements, heartbeats and failure detection are in the figure for any build.
#   bench/ahead-egress.sh [label]        (CARBIDE_DIST=dir picks another build, e.g. an older one)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
label="${1:-this build}"
work="$BENCH_WORK/ahead-egress"
moff=7600; woff=7601
rm -rf "$work"; mkdir -p "$work/apps"
WK="-Dcarbide.cluster.wellKnownMembers=127.0.0.1[$((4000 + moff))]"
mstart() {
  start_node -Dprofile=manager -Dnode=mgr-1 -Dcarbide.base="$work/mgr" -DportOffset=$moff
  await_ready $((9763 + moff))
}
mstop() { stop_node "$work/mgr"; }
code() { curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$((9763 + woff))$1"; }
together() {
  for _ in $(seq 1 90); do
    curl -s "http://127.0.0.1:$((9763 + woff))/health" | grep -q '"members":\[[^]]*"mgr-1"' && return
    sleep 1
  done
  echo "bench: the worker and the manager did not find each other in 90 s" >&2; exit 1
}
sent() {
  local pid
  pid=$(tr -dc 0-9 < "$work/mgr/data/carbide.pid")
  ss -tinpH state established | grep -A1 "pid=$pid," | grep -o 'bytes_acked:[0-9]*' | cut -d: -f2 \
    | awk '{ s += $1 } END { print s + 0 }'
}
trap 'stop_node "$work/w1"; stop_node "$work/mgr"' EXIT
mstart
start_node -Dprofile=worker -Dnode=w-1 -Dcarbide.base="$work/w1" -DportOffset=$woff "$WK"
together
for i in $(seq 1 300); do
  mkdir -p "$work/apps/src$i"; echo "<p>app $i</p>" > "$work/apps/src$i/index.html"
  (cd "$work/apps/src$i" && zip -q -r "$work/apps/app$i.zip" .)
done
mv "$work/apps/"app*.zip "$work/mgr/deploy/"
until [ "$(code /app300/)" = 200 ]; do sleep 0.5; done
progress "300 web apps on the worker; copying the manager aside"
mstop; cp -a "$work/mgr" "$work/copy"; mstart; together
(cd "$work/apps/src1" && zip -q -r "$work/mgr/deploy/later.zip" .)
until [ "$(code /later/)" = 200 ]; do sleep 0.5; done
progress "the worker runs later.zip; putting the manager back from the copy"
mstop; rm -rf "$work/mgr"; mv "$work/copy" "$work/mgr"; mstart; together
for _ in $(seq 1 60); do
  curl -s "http://127.0.0.1:$((9763 + woff))/health" | grep -q "behind this node" && break
  sleep 1
done
progress "the worker is ahead of its manager; measuring from the second minute on (3 minutes)"
sleep 60; a=$(sent); sleep 120; b=$(sent)
echo "A worker ahead of its manager ($label; $(machine_line))"
echo "manager bytes sent and acknowledged in 120 s: $((b - a))"
record "ahead_egress_bytes_120s $((b - a))"
