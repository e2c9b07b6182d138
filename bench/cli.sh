#!/usr/bin/env bash
# A cold bin/carbide status against a running manager: a new JVM every time, as an operator types
# it, timed from the shell (start to exit). First with the class data sharing archive the CLI
# records on its first run, then without it (CARBIDE_CDS=false). Median / min / max over the runs.
#   bench/cli.sh [runs]        (default 15)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist
runs="${1:-15}"
work="$BENCH_WORK/cli"
moff=7500
stop_node "$work/mgr"; rm -rf "$work"; mkdir -p "$work"
export CARBIDE_LOGIN_FILE="$work/login.json"
start_node -Dprofile=manager -DportOffset=$moff -Dcarbide.base="$work/mgr" -Dnode=bench-cli-mgr
trap 'stop_node "$work/mgr"' EXIT
await_ready $((9763 + moff))
until [ -f "$work/mgr/conf/security/management.crt" ] && mgmt_get "$work/mgr" $moff /api/login >/dev/null; do sleep 0.1; done
rm -rf "$BENCH_DIST/lib/cli/cds"
CARBIDE_PASSWORD="$BENCH_ADMIN_PASSWORD" "$BENCH_DIST/bin/carbide" login --base "$work/mgr" >/dev/null
"$BENCH_DIST/bin/carbide" status >/dev/null   # records the archive if login did not

time_status() {
  local t0
  t0=$(now_ms)
  "$BENCH_DIST/bin/carbide" status >/dev/null
  echo $(( $(now_ms) - t0 ))
}
with=(); without=()
for i in $(seq 1 "$runs"); do
  with+=("$(time_status)")
  without+=("$(CARBIDE_CDS=false time_status)")
  progress "run $i/$runs: ${with[-1]} ms with the archive, ${without[-1]} ms without"
done
read -r wm wl wh <<< "$(stats "${with[@]}")"
read -r nm nl nh <<< "$(stats "${without[@]}")"
echo
echo "Cold bin/carbide status against a running manager ($runs runs; $(machine_line))"
printf '%-34s %s\n' "with the CLI's CDS archive" "$wm / $wl / $wh ms"
printf '%-34s %s\n' "without (CARBIDE_CDS=false)" "$nm / $nl / $nh ms"
echo "(median / min / max)"
record cli.status "$wm" "$wl" "$wh"
record cli.status.nocds "$nm" "$nl" "$nh"
"$BENCH_DIST/bin/carbide" logout >/dev/null || true
