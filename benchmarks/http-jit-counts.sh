#!/usr/bin/env bash
# HTTP mode at saturation (wrk -c64, as run-http.sh), counts that load does not change: JIT compilation events and GCs
# inside the measured window, CPU ticks per JVM thread inside it (the C2 compiler shares the loop's pinned core), and
# the loop's histograms (whole run, -Dvigil.loop.histograms=true). Bounded: 20 s of wrk warm-up + 10 s measured.
#   benchmarks/http-jit-counts.sh
#   EXTRA_OPTS="-XX:PerMethodTrapLimit=0" benchmarks/http-jit-counts.sh     JVM flags before the others
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/out/http-jit-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$out"; out=$(cd "$out" && pwd)
pids=(); cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
body=$(printf 'x%.0s' $(seq 99))
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $out/origin.pid; error_log $out/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:18490; location / { return 200 "$body\n"; } } }
NGX
taskset -c 0 nginx -c "$out/origin.conf" -p "$out" >/dev/null 2>&1 & pids+=($!)
cat >"$out/vigil.conf" <<CONF
vigil { event-loops = 1
  listeners = [{ name = web, listen = "127.0.0.1:18590", mode = http, upstream = origin, access-log = false,
    keepalive-requests = 1000000 }]
  upstreams { origin { servers = ["127.0.0.1:18490"], keepalive { idle = 32 } } } }
CONF
logs="-Xlog:gc:file=$out/gc.log:uptimemillis"
logs+=" -Xlog:jit+compilation=debug:file=$out/jit.log:uptimemillis"
JAVA_OPTS="${EXTRA_OPTS:-} -Dvigil.loop.histograms=true $logs" taskset -c 1 bin/vigil run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/18590) 2>/dev/null && break; sleep 0.1; done
jvm=$(pgrep -f "vigil.jar run -c $out/vigil.conf")
taskset -c 0 wrk -t1 -c64 -d20s http://127.0.0.1:18590/ >"$out/warmup.txt"
threads() { # name/tid and utime+stime ticks of every JVM thread
  for t in /proc/$jvm/task/*; do
    printf '%s/%s\t%s\n' "$(cat "$t/comm")" "${t##*/}" "$(awk '{print $14+$15}' "$t/stat")"
  done | sort
}
uptime_ms() { # the JVM's age in ms, from its start time in /proc
  python3 -c 'import os, sys
hz = os.sysconf("SC_CLK_TCK"); start = int(open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()[19])
print(int((float(open("/proc/uptime").read().split()[0]) - start / hz) * 1000))' "$jvm"
}
threads >"$out/threads0.tsv"
up0=$(uptime_ms)
taskset -c 0 wrk -t1 -c64 -d10s --latency http://127.0.0.1:18590/ >"$out/wrk.txt"
up1=$(uptime_ms)
threads >"$out/threads1.tsv"
kill "$jvm"; for _ in $(seq 50); do kill -0 "$jvm" 2>/dev/null || break; sleep 0.1; done
echo "window: JVM uptime $up0-$up1 ms (from /proc: process start, ~0.1 s before the JVM clock)"
awk '/requests in/{print "requests: "$1}' "$out/wrk.txt"; grep -E "Requests/sec|99%" "$out/wrk.txt"
python3 - "$out" "$up0" "$up1" <<'PY'
import re, sys
out, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def lines(path, lo, hi, text=""):
    n = 0
    for line in open(path):
        m = re.match(r"\[(\d+)ms\]", line)
        if m and lo <= int(m.group(1)) <= hi and text in line:
            n += 1
    return n
jit = f"{out}/jit.log"
print("gc events in window:", lines(f"{out}/gc.log", a, b), " jit compilation events in window:", lines(jit, a, b),
      "(first second:", lines(jit, a, a + 1000), ")")
# the clients' closes at the end of a run take branches the steady state never did: C2 code deoptimizes
def deopts(lo, hi):
    n = 0
    for line in open(jit):
        m = re.match(r"\[(\d+)ms\]\s+\d+\s+\S*\s*4\s+(\S+).*made not entrant", line)
        n += bool(m and lo <= int(m.group(1)) <= hi and m.group(2).startswith("io.vigil"))
    return n
print("C2-compiled io.vigil methods made not entrant around the warm-up's end:", deopts(a - 1000, a + 200),
      " around the measured run's end:", deopts(b - 1000, b + 1000))
t0 = dict(l.rstrip("\n").split("\t") for l in open(f"{out}/threads0.tsv"))
t1 = dict(l.rstrip("\n").split("\t") for l in open(f"{out}/threads1.tsv"))
d = sorted(((int(t1[k]) - int(t0.get(k, 0)), k) for k in t1), reverse=True)
print("CPU ticks per thread in window:", ", ".join(f"{k} {v}" for v, k in d if v))
PY
grep "blocking selects" "$out/vigil.log" || true
