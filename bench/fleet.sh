#!/usr/bin/env bash
# The cluster at fleet scale, simulated: N members (default 100) in one JVM on the product's own
# cluster stack (sealed, authenticated; TCP_NIO2 for the transport, a mesh of N members being
# N * (N - 1) connections), member 0 standing for the manager. Measures the view on every member
# after a join and after a leave, and one announcement reaching every member and every answer
# coming back. See docs/design.md, "The cluster at fleet scale".
#   bench/fleet.sh [MEMBERS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require_dist

members=${1:-100}
classes="$BENCH_WORK/fleet-classes"
cluster_jar=$(find "$BENCH_DIST/system/io/carbide/carbide-cluster" -name '*.jar' | head -n 1)
classpath="$cluster_jar:$BENCH_DIST/lib/carbide-api-0.1.0.jar:$BENCH_DIST/lib/slf4j-api-2.0.17.jar"
classpath="$classpath:$BENCH_DIST/lib/logback-core-1.5.18.jar:$BENCH_DIST/lib/logback-classic-1.5.18.jar"
rm -rf "$classes" && mkdir -p "$classes"
javac -nowarn -d "$classes" -cp "$classpath" \
  "$BENCH_ROOT/bench/fleet/io/carbide/cluster/internal/FleetSimulation.java"
cat > "$classes/logback.xml" <<'XML'
<configuration><appender name="err" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>  %level %logger{20} - %msg%n</pattern></encoder></appender>
<logger name="org.jgroups.protocols.FD_ALL3" level="${FLEET_FD_LOG:-ERROR}"/><root level="ERROR"><appender-ref ref="err"/></root></configuration>
XML
# a mesh of N members is N * (N - 1) / 2 connections, both ends of each in this one process: N * (N - 1) sockets
need=$(( members * members * 2 + 4096 ))
ulimit -Hn "$need" 2>/dev/null || true # root may raise the hard limit; others get what it allows
ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( members * (members - 1) + 2048 )) ]; then
  echo "bench: $members members need about $(( members * (members - 1) + 2048 )) open files and this shell allows $(ulimit -n);" \
    "raise it (ulimit -Hn as root) or simulate fewer" >&2
  exit 2
fi
record fleet.open_file_limit "$(ulimit -n)"
progress "Simulating $members cluster members in one JVM (this takes a minute or two)..."
out=$(java -Xmx8g -XX:+UseParallelGC ${FLEET_JAVA_OPTS:-} -Djava.net.preferIPv4Stack=true -cp "$classes:$classpath" \
  io.carbide.cluster.internal.FleetSimulation "$members" "$BENCH_DIST/conf/cluster/tcp.xml" 23000)
echo "$out" | while read -r key values; do record "$key $values"; done
echo "$out"
