#!/usr/bin/env bash
# A burst of stalled sessions against vigil.max-buffer-memory (RESULTS.md, "a burst of stalled sessions against the
# buffer-memory cap"): Vigil from target/vigil.jar on JDK 25 with the image's heap flags (-Xmx102m: 40% of 256Mi),
# one loop, admin on; benchmarks/pool_burst.py with the upstream's receive buffer set to 4 KiB on its listening socket
# (advertised from the start, so each session's bytes stop in Vigil's buffer). Prints pool_burst's RSS while
# stalled, the buffer metrics, whether Vigil is alive, its VmHWM and the peak of vigil_buffer_memory_bytes.
#   benchmarks/buffer-cap-burst.sh LABEL [JVM flags...]     env: N (sessions, 3000), CAP (max-buffer-memory, auto)
#   e.g. N=5000 benchmarks/buffer-cap-burst.sh A5 -XX:MaxDirectMemorySize=64m;  CAP=1g N=5000 ... B5
set -uo pipefail
cd "$(dirname "$0")/.."
label=$1; shift
out=$(mktemp -d /tmp/vigil-buffer-cap.XXXXXX)
ulimit -n 20000
sed -e 's/^srv.bind/srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); srv.bind/' benchmarks/pool_burst.py \
  > "$out/burst.py"
cat > "$out/vigil.conf" <<CONF
vigil { event-loops = 1, max-buffer-memory = ${CAP:-auto}, admin { listen = "127.0.0.1:19519" },
  listeners = [ { name = pub, listen = "127.0.0.1:19512", upstream = up, access-log = false } ],
  upstreams { up { servers = ["127.0.0.1:19511"] } } }
CONF
java=${VIGIL_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
"$java" -XX:+UseSerialGC -Xms8m -Xmx102m -Xmn8m -XX:SurvivorRatio=2 -Xss512k -XX:-UsePerfData \
  -XX:+ExitOnOutOfMemoryError -XX:TrimNativeHeapInterval=10000 "$@" --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar target/vigil.jar run -c "$out/vigil.conf" \
  > "$out/vigil-$label.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q "admin http" "$out/vigil-$label.log" && break; sleep 0.2; done
( peak=0
  while kill -0 $pid 2>/dev/null; do
    hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null)
    bytes=$(curl -s -m 2 127.0.0.1:19519/metrics | awk '/^vigil_buffer_memory_bytes/ {printf "%d", $2}')
    [ -n "$bytes" ] && [ "$bytes" -gt "$peak" ] && peak=$bytes
    echo "VmHWM ${hwm:-?} KiB, peak vigil_buffer_memory_bytes $peak" > "$out/peak"
    sleep 0.5
  done ) &
monitor=$!
timeout 120 python3 "$out/burst.py" 19511 19512 "${N:-3000}" $pid 2>&1 | head -2
curl -s -m 5 127.0.0.1:19519/metrics | grep -E '^vigil_buffer_memory|rejected_total.*buffer_memory|closed_total.*buffer_memory.*proxy|^vigil_loop_handler_failures'
echo "$label alive: $(kill -0 $pid 2>/dev/null && echo yes || echo NO); $(cat "$out/peak")"
grep -m2 -E "buffer memory|FATAL" "$out/vigil-$label.log" | cut -c1-240
kill $pid 2>/dev/null; wait $pid 2>/dev/null; kill $monitor 2>/dev/null; wait $monitor 2>/dev/null
echo "log: $out/vigil-$label.log"
