#!/usr/bin/env bash
# HTTP mode's first wrk window after an idle wait (issue 15, run-http.sh's round 1), as counts: two Vigils in front of
# one nginx origin, A with the upstream pool's default idle timeout (keepalive.timeout 60s) and B with 10m, each warmed
# up like run-http.sh (wrk, the fixed rate, wrk), then IDLE s (default 90) of nothing, then two measured wrk windows
# per Vigil, interleaved (A B A B). Per window: upstream connections open before it, wrk p99, CPU us per request, GCs,
# JIT compilations and deoptimizations inside it (-Xlog, JVM uptime from /proc). Bounded: ~4 min in all.
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 benchmarks/http-idle-probe.sh   (-Xlog:deoptimization: JDK 21+)
#   IDLE=20 benchmarks/http-idle-probe.sh                  a wait shorter than the pool's timeout
#   TIMEOUT_B=60s EXTRA_OPTS_B="-X..." benchmarks/http-idle-probe.sh   B differs by JVM flags instead
#   TIMEOUT_B=60s LAUNCHER_A=bin/vigil-before ...           A started by another launcher (in bin/, for its home)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/out/http-idle-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$out"; out=$(cd "$out" && pwd)
IDLE=${IDLE:-90}
pids=(); cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
origin=18491
body=$(printf 'x%.0s' $(seq 99))
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $out/origin.pid; error_log $out/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:$origin; location / { return 200 "$body\n"; } } }
NGX
taskset -c 0 nginx -c "$out/origin.conf" -p "$out" >/dev/null 2>&1 & pids+=($!)
declare -A PORT=([A]=18591 [B]=18592) TIMEOUT=([A]=${TIMEOUT_A:-60s} [B]=${TIMEOUT_B:-10m})
declare -A OPTS=([A]=${EXTRA_OPTS_A:-} [B]=${EXTRA_OPTS_B:-}) JVM=()
declare -A LAUNCHER=([A]=${LAUNCHER_A:-bin/vigil} [B]=${LAUNCHER_B:-bin/vigil})
for v in A B; do
  cat >"$out/vigil-$v.conf" <<CONF
vigil { event-loops = 1
  listeners = [{ name = web, listen = "127.0.0.1:${PORT[$v]}", mode = http, upstream = origin, access-log = false,
    keepalive-requests = 1000000 }]
  upstreams { origin { servers = ["127.0.0.1:$origin"], keepalive { idle = 64, timeout = ${TIMEOUT[$v]} } } } }
CONF
  logs="-Xlog:gc:file=$out/gc-$v.log:uptimemillis -Xlog:jit+compilation=debug:file=$out/jit-$v.log:uptimemillis"
  logs+=" -Xlog:deoptimization=debug:file=$out/deopt-$v.log:uptimemillis"
  JAVA_OPTS="${OPTS[$v]} $logs" taskset -c 1 "${LAUNCHER[$v]}" run -c "$out/vigil-$v.conf" >"$out/vigil-$v.log" 2>&1 &
  pids+=($!)
done
for v in A B; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$v]}") 2>/dev/null && break; sleep 0.1; done
  JVM[$v]=$(pgrep -f "vigil.jar run -c $out/vigil-$v.conf")
done
uptime_ms() { # the JVM's age in ms, from its start time in /proc
  python3 -c 'import os, sys
hz = os.sysconf("SC_CLK_TCK"); start = int(open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()[19])
print(int((float(open("/proc/uptime").read().split()[0]) - start / hz) * 1000))' "$1"
}
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
upstream_conns() { ss -Htnp state established "( dport = :$origin )" | grep -c "pid=$1," || true; }
for v in A B; do   # run-http.sh's warm-up
  url="http://127.0.0.1:${PORT[$v]}/"
  taskset -c 0 wrk -t1 -c64 -d20s "$url" >/dev/null
  taskset -c 0 bin/vigil-bench http --url "$url" --rate 20000 --duration 5s --warmup 1s --connections 64 --quiet \
    --out "$out/warmup-$v" >/dev/null
  taskset -c 0 wrk -t1 -c64 -d10s "$url" >/dev/null
done
echo "idle ${IDLE}s; upstream connections after the warm-up: A $(upstream_conns "${JVM[A]}") B $(upstream_conns "${JVM[B]}")"
sleep "$IDLE"
echo -e "window\tvigil\tpool_before\tup0_ms\tup1_ms\trps\tp99\tcpu_us_per_req" >"$out/windows.tsv"
for w in 1 2; do
  for v in A B; do
    pool=$(upstream_conns "${JVM[$v]}"); t0=$(ticks "${JVM[$v]}"); u0=$(uptime_ms "${JVM[$v]}")
    taskset -c 0 wrk -t1 -c64 -d10s --latency "http://127.0.0.1:${PORT[$v]}/" >"$out/wrk-$v-$w.txt"
    u1=$(uptime_ms "${JVM[$v]}"); t1=$(ticks "${JVM[$v]}")
    n=$(awk '/requests in/{print $1}' "$out/wrk-$v-$w.txt")
    rps=$(awk '/Requests\/sec/{print int($2)}' "$out/wrk-$v-$w.txt"); p99=$(awk '$1=="99%"{print $2}' "$out/wrk-$v-$w.txt")
    cpu=$(python3 -c "import os; print(f'{($t1 - $t0) / os.sysconf(\"SC_CLK_TCK\") * 1e6 / $n:.2f}')")
    echo -e "$w\t$v\t$pool\t$u0\t$u1\t$rps\t$p99\t$cpu" >>"$out/windows.tsv"
  done
done
python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def count(path, lo, hi, pred=lambda l: True):
    n = 0
    for line in open(path):
        m = re.match(r"\[(\d+)ms\]", line)
        n += bool(m and lo <= int(m.group(1)) <= hi and pred(line))
    return n
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/windows.tsv")][1:]
print("window vigil pool_before rps p99 cpu_us/req | gc jit_events(1st s) made_not_entrant deopt_lines(io.vigil)"
      " | trapped_at_start")
for w, v, pool, a, b, rps, p99, cpu in rows:
    # uptime from /proc runs ~0.1 s behind the JVM's log clock: the first window's traps (the round's first
    # requests) log just before "a", so the start's column reaches back 0.5 s
    a, b = int(a), int(b)
    jit = f"{out}/jit-{v}.log"
    nent = count(jit, a, b, lambda l: "made not entrant" in l)
    dl = f"{out}/deopt-{v}.log"
    print(w, v, pool, rps, p99, cpu, "|", count(f"{out}/gc-{v}.log", a, b, lambda l: "Pause" in l),
          count(jit, a, b), f"({count(jit, a, a + 1000)})", nent, count(dl, a, b),
          f"({count(dl, a, b, lambda l: 'io.vigil' in l)})", "|",
          count(jit, a - 500, a + 1000, lambda l: "made not entrant: uncommon trap" in l and "io.vigil" in l))
PY
