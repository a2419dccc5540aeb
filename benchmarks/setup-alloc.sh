#!/usr/bin/env bash
# Where Vigil's loop spends user time and allocates per proxied connection (issue 14): setup-cost.sh's load (new
# connection, 64 B echo, close; 16 connections, closed loop) through Vigil on JDK 25 with its own socket layer
# (-Dvigil.sockets=kernel, so JFR sees the socket downcalls as Java frames), under a JFR recording started after a
# warm-up: jdk.ExecutionSample every 1 ms, jdk.ObjectAllocationSample (throttle 10000/s), the loop thread's
# jdk.ThreadAllocationStatistics at the recording's start and end, jdk.Deoptimization.
# Prints bytes allocated by vigil-loop-0 per connection (counts: load does not change them), the top frames by
# execution samples, and the allocation by class/top frame. Allocation samples are biased (an object that happens to
# start a new TLAB carries the weight of everything since the last sample), so for where the bytes go use
#   EXACT=1: Vigil runs with -XX:-UseTLAB and every allocation is recorded (jdk.ObjectAllocationOutsideTLAB, with
#            stacks; escape analysis still applies): benchmarks/alloc_sites.py prints bytes and objects per
#            connection by class and by site, exactly. Slower per allocation: use it for counts only, never for time.
#   VIGIL_JAR=path (default target/vigil.jar; a copy is safe from rebuilds)  BEFORE_JAR=path: also that build,
#   interleaved, same flags  ROUNDS=2 RUN=8 WARM=10 (25 with EXACT=1) (seconds)  HALF_CLOSE=off|on (default off)  SOCKETS=kernel|jdk
#   PROXY_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-2}; RUN=${RUN:-8}
out=$PWD/benchmarks/out/setup-alloc-$(date +%Y%m%d-%H%M%S); mkdir -p "$out"
JAVA=${PROXY_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}; JCMD=$(dirname "$JAVA")/jcmd; JFR=$(dirname "$JAVA")/jfr
declare -A JAR=([now]=${VIGIL_JAR:-target/vigil.jar}) PORT=([now]=17850 [before]=17851) PID=()
targets=(now); [ -n "${BEFORE_JAR:-}" ] && { JAR[before]=$BEFORE_JAR; targets+=(before); }
source benchmarks/lib.sh
ulimit -n 20000
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:17849
for t in "${targets[@]}"; do
  cat >"$out/$t.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [ { name = echo, listen = "127.0.0.1:${PORT[$t]}", upstream = echo, access-log = false,
                  half-close = ${HALF_CLOSE:-off} } ]
  upstreams { echo { servers = ["127.0.0.1:17849"] } }
}
CONF
  # shellcheck disable=SC2046
  LC_ALL=C.UTF-8 taskset -c 1 "$JAVA" $([ "${EXACT:-0}" = 1 ] && echo -XX:-UseTLAB) -XX:+UseSerialGC -Xms8m -XX:-UsePerfData -XX:AutoBoxCacheMax=4095 \
    -Dvigil.sockets=${SOCKETS:-kernel} --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar "${JAR[$t]}" run -c "$out/$t.conf" >"$out/$t.log" 2>&1 &
  pids+=($!); PID[$t]=$!
done
for t in "${targets[@]}"; do wait_port "${PORT[$t]}"; done
drive() { taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:${PORT[$1]}" --new-connection --max --duration "$2s" \
    --warmup 0s --connections 16 --size 64 --quiet --out "$3" >"$3.txt"; }
# EXACT=1 runs slower (every allocation leaves compiled code): longer, or C2 has not yet removed what escape
# analysis removes and the counts show the interpreter's and C1's allocations
warm=${WARM:-10}; [ "${EXACT:-0}" = 1 ] && warm=${WARM:-25}
for t in "${targets[@]}"; do drive "$t" "$warm" "$out/warm-$t"; done
echo -e "round\ttarget\tconnections\tloop_bytes_per_conn\tsamples_per_1000_conn\tdeopts" | tee "$out/raw.tsv"
jfc=setup-alloc.jfc; [ "${EXACT:-0}" = 1 ] && jfc=setup-alloc-exact.jfc
for r in $(seq "$ROUNDS"); do
  for t in "${targets[@]}"; do
    f=$out/$t-$r.jfr
    "$JCMD" "${PID[$t]}" JFR.start name=s settings="$PWD/benchmarks/$jfc" >/dev/null
    drive "$t" "$RUN" "$out/run-$t-$r"
    "$JCMD" "${PID[$t]}" JFR.stop name=s filename="$f" >/dev/null
    n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$out/run-$t-$r/summary.json")
    "$JFR" print --events jdk.ThreadAllocationStatistics "$f" >"$f.alloc.txt"
    "$JFR" summary "$f" >"$f.summary.txt"
    python3 - "$f.alloc.txt" "$f.summary.txt" "$n" "$r" "$t" <<'PY' | tee -a "$out/raw.tsv"
import re, sys
text = open(sys.argv[1]).read(); n = max(1, int(sys.argv[3]))
# jfr print shows sizes with units (bytes, kB, MB)
seen = [int(float(a) * {'bytes': 1, 'kB': 1024, 'MB': 1 << 20, 'GB': 1 << 30}[u]) for a, u in
        re.findall(r'allocated = ([0-9.]+) (bytes|kB|MB|GB)[^\n]*\n[^\n]*thread = "vigil-loop-0"', text)]
summary = open(sys.argv[2]).read()
def count(name):
    m = re.search(r'\b' + name + r'\s+([0-9]+)', summary)
    return int(m.group(1)) if m else 0
per = (max(seen) - min(seen)) / n if len(seen) >= 2 else float('nan')
print(f"{sys.argv[4]}\t{sys.argv[5]}\t{n}\t{per:.0f}\t{count('jdk.ExecutionSample') * 1000 / n:.1f}\t"
      f"{count('jdk.Deoptimization')}")
PY
  done
done
if [ "${EXACT:-0}" = 1 ]; then
  for t in "${targets[@]}"; do
    f=$out/$t-$ROUNDS.jfr
    n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$out/run-$t-$ROUNDS/summary.json")
    "$JFR" print --events jdk.ObjectAllocationOutsideTLAB --stack-depth 12 "$f" >"$f.outside.txt"
    echo "== $t, round $ROUNDS: exact allocation"; benchmarks/alloc_sites.py "$f.outside.txt" "$n" | tee "$f.exact.txt"
  done
  echo "out: $out"; exit 0
fi
for t in "${targets[@]}"; do
  for r in $(seq "$ROUNDS"); do
    f=$out/$t-$r.jfr
    "$JFR" view --width 200 hot-methods "$f" >"$f.hot.txt" 2>&1 || true
    "$JFR" view --width 200 allocation-by-site "$f" >"$f.sites.txt" 2>&1 || true
    "$JFR" view --width 200 allocation-by-class "$f" >"$f.classes.txt" 2>&1 || true
  done
  echo "== $t, round $ROUNDS: top methods (execution samples)"; head -30 "$out/$t-$ROUNDS.jfr.hot.txt"
  echo "== $t, round $ROUNDS: allocation by site"; head -30 "$out/$t-$ROUNDS.jfr.sites.txt"
done
echo "out: $out"
