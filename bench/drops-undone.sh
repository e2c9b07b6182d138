#!/usr/bin/env bash
# Drops undone at once, a fault run (docs/reliability.md, "Drops undone at once"): a default node
# alone; each trial drops a small web app into its deploy/ (copied beside it, then renamed in, as a
# careful operator does) and, a random moment later, deletes it, renames it or replaces it with
# another. Once the node has settled it must serve exactly what the folder holds: nothing for a
# deleted drop, the new name for a renamed one, the new content for a replaced one.
#
#   bench/drops-undone.sh [trials] [min_ms] [span_ms]   (default 60 trials, 0 + 0-300 ms)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_require_dist
trials="${1:-60}"; min_ms="${2:-0}"; span_ms="${3:-300}"
work="$BENCH_WORK/drops-undone"; rm -rf "$work"; mkdir -p "$work"
off=7400; base="$work/node"; port=$((9763 + off)); deploy="$base/deploy"
trap 'stop_node "$base"' EXIT
java "$BENCH_ROOT/bench/MakeArtifacts.java" "$work/sites" site $((trials * 2))
start_node -Dprofile=default -DportOffset=$off -Dcarbide.base="$base" -Dnode=bench-undone
await_ready "$port"
until grep -q "is the authority" "$base/logs/carbide.log" 2>/dev/null; do sleep 0.2; done

code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/$1/"; }
page() { curl -s "http://127.0.0.1:$port/$1/"; }
drop() { cp "$work/sites/$1.zip" "$deploy/.$2.part"; mv "$deploy/.$2.part" "$deploy/$2.zip"; }
held=0; kinds=(deleted renamed replaced)
for t in $(seq 1 "$trials"); do
  kind=${kinds[$((t % 3))]}; delay=$((min_ms + RANDOM % span_ms)); name="undone-$t"
  drop "site-$t" "$name"
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  case $kind in
    deleted) rm "$deploy/$name.zip" ;;
    renamed) mv "$deploy/$name.zip" "$deploy/$name-renamed.zip" ;;
    replaced) drop "site-$((t + trials))" "$name" ;;
  esac
  sleep 2.5  # File Install, the folder's watch and the view have all had their say by now
  case $kind in
    deleted) answer="$(code "$name")"; [ "$answer" = 404 ] && ok=1 || ok=0 ;;
    renamed) answer="old $(code "$name"), new $(code "$name-renamed")"; [ "$answer" = "old 404, new 200" ] && ok=1 || ok=0 ;;
    replaced) answer="$(page "$name")"; [ "$answer" = "<p>site-$((t + trials))</p>" ] && ok=1 || ok=0 ;;
  esac
  if [ "$ok" = 1 ]; then held=$((held + 1)); else echo "trial $t: $kind after $delay ms, but the node answers: $answer"; fi
  progress "trial $t of $trials: $kind after $delay ms, $([ "$ok" = 1 ] && echo held || echo BROKEN)"
done
warnings=$(grep -cE ' (WARN|ERROR) ' "$base/logs/carbide.log" || true)
echo "Drops undone $min_ms-$((min_ms + span_ms)) ms after they landed: $held of $trials served as the folder holds; $warnings WARN/ERROR line(s) logged"
