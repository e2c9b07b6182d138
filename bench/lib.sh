# Helpers shared by the benchmark scripts. Sourced, not run.
# Everything here talks to 127.0.0.1 only.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIST="${CARBIDE_DIST:-$BENCH_ROOT/assembly/target/carbide-0.1.0/carbide-0.1.0}"
BENCH_WORK="${BENCH_WORK:-$BENCH_ROOT/bench/target}"

# When bench/run.sh runs a script, it names a file here; the script appends one line per figure,
# "key median min max" (or "key value"), for the report. Run alone, a script just prints its table.
BENCH_RESULTS="${BENCH_RESULTS:-}"
record() { if [ -n "$BENCH_RESULTS" ]; then echo "$*" >> "$BENCH_RESULTS"; fi; }
progress() { printf '  %s\n' "$*" >&2; }

# Managers started by the benchmarks get this admin password, so scripts can use the API.
export BENCH_ADMIN_PASSWORD="${BENCH_ADMIN_PASSWORD:-carbide-bench-admin}"
export CARBIDE_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD"

# GET on a manager's management API: mgmt_get BASE OFFSET PATH (trusting that manager's own certificate).
mgmt_get() {
  curl -s --max-time 2 --cacert "$1/conf/security/management.crt" -u "admin:$BENCH_ADMIN_PASSWORD" \
    "https://127.0.0.1:$((9443 + $2))$3" 2>/dev/null
}

bench_require_dist() {
  if [ ! -x "$BENCH_DIST/bin/start.sh" ]; then
    echo "bench: no distribution at $BENCH_DIST; build it first: mvn -B install -DskipTests" >&2
    exit 2
  fi
}

now_ms() { date +%s%3N; }

# Waits until http://127.0.0.1:PORT/PATH answers with a status matching the pattern (default 200);
# prints the time it answered (epoch ms).
await_http_200() {
  local port=$1 path=$2 timeout_ms=${3:-60000} want=${4:-200} start
  start=$(now_ms)
  while true; do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port$path" 2>/dev/null)" =~ ^($want)$ ]]; then
      now_ms
      return 0
    fi
    if [ $(( $(now_ms) - start )) -gt "$timeout_ms" ]; then
      echo "bench: http://127.0.0.1:$port$path did not answer $want within ${timeout_ms} ms" >&2
      return 1
    fi
    sleep 0.01
  done
}

# median, min and max of the numbers given as arguments: "median min max"
stats() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%d %d %d\n", m, v[1], v[NR] }'
}

# CPU ticks per thread name (pool numbers folded, so a pool's threads add up): "ticks name". One
# awk over every thread's stat line: a fork per thread would itself take seconds on a busy machine.
thread_ticks() {
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{
    lp = index($0, "("); rp = 0
    for (i = length($0); i > lp; i--) if (substr($0, i, 1) == ")") { rp = i; break }
    name = substr($0, lp + 1, rp - lp - 1)
    split(substr($0, rp + 2), f, " ")   # f[1] is the state; utime and stime are f[12] and f[13]
    gsub(/ /, "_", name); gsub(/[0-9][0-9][0-9]+/, "N", name); gsub(/-[0-9]+/, "-N", name)
    used[name] += f[12] + f[13]
  } END { for (k in used) print used[k], k }'
}

# Resident memory of a pid in MiB.
rss_mib() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

machine_line() {
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(java -version 2>&1 | head -n 1)"
}

# The "ready ... N ms" figure the launcher logged (JVM start to all bundles started), waiting up to
# SECONDS for it (default 5); 0 if it never came:  launcher_ready_ms BASE [SECONDS]
launcher_ready_ms() {
  local log="$1/logs/carbide.log" ms="" tries=$(( ${2:-5} * 20 ))
  for _ in $(seq 1 "$tries"); do
    ms="$(sed -n 's/.* ready: .*, \([0-9]*\) ms$/\1/p' "$log" 2>/dev/null | tail -n 1)"
    [ -n "$ms" ] && break
    sleep 0.05
  done
  echo "${ms:-0}"
}

# Starts a node in the background; extra arguments are passed to start.sh. Benchmarks stop nodes
# between runs and time no stop, so nodes do not drain.
start_node() {
  "$BENCH_DIST/bin/start.sh" --background -Dcarbide.drain.seconds=0 "$@" >/dev/null
}

stop_node() {
  "$BENCH_DIST/bin/stop.sh" -Dcarbide.base="$1" >/dev/null 2>&1 || true
}

# The first start of each profile records the installation's class data sharing archive for that
# profile (lib/cds/) when it stops; benchmarks time the starts after it, as users see them. Starts
# and stops one node of each profile given that has no archive yet, on DIST, at port offset OFFSET,
# with JAVA_OPTS as the caller set them.
#   record_class_data DIST OFFSET PROFILE...
record_class_data() {
  local dist="$1" offset="$2" profile base archives
  shift 2
  for profile in "$@"; do
    archives=("$dist"/lib/cds/carbide-*-"$profile".jsa)
    [ -f "${archives[0]}" ] && continue
    progress "recording the class data of profile $profile (its first start)"
    base="$BENCH_WORK/class-data-$profile"; rm -rf "$base"
    "$dist/bin/start.sh" --background -Dcarbide.drain.seconds=0 -Dprofile="$profile" -DportOffset="$offset" \
      -Dcarbide.base="$base" >/dev/null
    launcher_ready_ms "$base" 60 >/dev/null  # every bundle started: the recording is usable
    "$dist/bin/stop.sh" -Dcarbide.base="$base" >/dev/null 2>&1 || true
    rm -rf "$base"
  done
}

# A field of a node's /health, e.g. health_field 9765 revision
health_field() {
  curl -s --max-time 2 "http://127.0.0.1:$1/health" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# Waits until every given client port answers /health with ready=true; prints nothing.
await_ready() {
  local port
  for port in "$@"; do
    until curl -s --max-time 2 "http://127.0.0.1:$port/health" | grep -q '"ready":true'; do sleep 0.05; done
  done
}

# Percentile P (0-100) of the numbers given after it.
percentile() {
  local p=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

# Peak used heap (MiB) of a pid, sampled every 200 ms until the file $2 exists. One jstat runs for
# the whole span and prints a line per sample: a jstat started per sample is a JVM start each time,
# and two such loops took most of the 2 cores from the transfer they were measuring.
sample_peak_heap() {
  local pid=$1 stop=$2 samples="$2.$1.samples" sampler
  jstat -gc "$pid" 200 > "$samples" 2>/dev/null &
  sampler=$!
  while [ ! -e "$stop" ]; do sleep 0.2; done
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true  # jstat ends on the signal
  awk '$1 ~ /^[0-9.]+$/ { used = ($3 + $4 + $6 + $8) / 1024; if (used > peak) peak = used } END { printf "%d\n", peak }' "$samples"
  rm -f "$samples"
}

# Epoch milliseconds of the last log line of node base $1 that contains $2 (0 when there is none).
log_ms() {
  local line
  line=$(grep -hF "$2" "$1/logs/carbide.log" 2>/dev/null | tail -1 | cut -c1-23)
  if [ -z "$line" ]; then echo 0; else date -d "$line" +%s%3N; fi
}
