#!/usr/bin/env bash
# Issue 15's L4 wrk tail, probed: run-core.sh's L4 request/response case (wrk -t1 -c64 through each proxy to an nginx
# origin; proxies pinned to CPU 1, wrk and the origin on CPU 0), interleaved windows, and in every window what the
# proxy's core did besides the proxy's loop, so a wider tail can be placed:
#   wrk       req/s and the latency percentiles p50 p90 p99 p99.9 max (wrk's own histogram, through a Lua done())
#   cpu       the proxy's user and kernel CPU us per request (/proc)
#   counts    per request: syscalls, epoll_wait, context switches, page faults (perf stat on the proxy)
#   core      perf sched_switch on CPU 1 (tail_sched.py): the loop thread's time, the proxy's other threads' time (a
#             JVM's compiler, GC, VM and timer threads), other processes', and how often and how long the loop waited
#             runnable while another thread had the core (every request in flight waited as long)
#   jvm       Vigil only: C1/C2 compilations, GC pauses and safepoints inside the window (-Xlog with wall-clock ms)
# then BATCH_SECONDS of each proxy's syscalls at the end (tail_syscalls.py: events per epoll_wait, the time a batch
# takes, syscalls per request; tracing slows every syscall, so these are for shape, not level).
#   benchmarks/tail-probe.sh                               vigil and haproxy, 5 rounds of 10 s windows
#   TARGETS="vigil vigil-b haproxy" ROUNDS=3 DURATION=8 ...  targets: vigil, vigil-b (an A/A twin), haproxy, nginx
#   HISTORY=1 ...          each window inside the rest of a run-core round for its target, in run-core.sh's order:
#                          iperf3 DURATION s before it; the fixed-rate echo DURATION s and the connection-setup run
#                          5 s after it
#   VIGIL_JAVA_OPTS=...    more JVM flags for the Vigils (the launcher's defaults stay; JAVA_HOME picks the JDK)
#   VIGIL_B_JAVA_OPTS=...  and for vigil-b alone, after those (an A/B of a flag: TARGETS="vigil vigil-b haproxy")
#   OUT=DIR                output (default benchmarks/out/tail-DATE-TIME); windows.tsv has one line per window
# Loopback only, its own ports (28xxx, 27xxx, 25xxx: beside a running run-core.sh); everything stops by itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-20}
BATCH_SECONDS=${BATCH_SECONDS:-1}
read -r -a targets <<<"${TARGETS:-vigil haproxy}"
out=${OUT:-"benchmarks/out/tail-$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$out"; out=$(realpath "$out")
ulimit -n 20000
source benchmarks/lib.sh
bin/vigil --version >/dev/null   # builds the jar if needed

HTTP=28080; ECHO=27000; IPERF=25201
declare -A OFFSET=([vigil]=100 [nginx]=200 [haproxy]=300 [vigil-b]=700)
bg taskset -c 0 iperf3 -s -p $IPERF
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $out/origin.pid; error_log $out/origin.err;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$HTTP; location / { return 200 "ok\n"; } } }
NGX
bg taskset -c 0 nginx -c "$out/origin.conf" -p "$out"
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:$ECHO

for t in "${targets[@]}"; do
  o=${OFFSET[$t]}
  case $t in
    vigil|vigil-b)
      cat >"$out/$t.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [
    { name = iperf, listen = "127.0.0.1:$((IPERF + o))", upstream = iperf }
    { name = http,  listen = "127.0.0.1:$((HTTP + o))",  upstream = http }
    { name = echo,  listen = "127.0.0.1:$((ECHO + o))",  upstream = echo, access-log = false }
  ]
  upstreams {
    iperf { servers = ["127.0.0.1:$IPERF"] }
    http  { servers = ["127.0.0.1:$HTTP"] }
    echo  { servers = ["127.0.0.1:$ECHO"] }
  }
}
CONF
      # wall-clock milliseconds on every line: events are matched to windows by time
      extra=""; [ "$t" != vigil-b ] || extra=${VIGIL_B_JAVA_OPTS:-}
      JAVA_OPTS="${VIGIL_JAVA_OPTS:-} $extra -Xlog:gc*=info,safepoint=info,jit+compilation=debug:file=$out/$t-jvm.log:timemillis" \
        VIGIL_CDS=off taskset -c 1 bin/vigil run -c "$out/$t.conf" >"$out/$t.log" 2>&1 &
      pids+=($!) ;;
    haproxy)
      printf '%s\n' global '  nbthread 1' '  maxconn 9900' '  ulimit-n 20000' defaults '  mode tcp' '  timeout connect 5s' \
        '  timeout client 10m' '  timeout server 10m' \
        'listen iperf' "  bind 127.0.0.1:$((IPERF + o))" "  server s 127.0.0.1:$IPERF" \
        'listen http' "  bind 127.0.0.1:$((HTTP + o))" "  server s 127.0.0.1:$HTTP" \
        'listen echo' "  bind 127.0.0.1:$((ECHO + o))" "  server s 127.0.0.1:$ECHO" >"$out/haproxy.cfg"
      bg taskset -c 1 haproxy -f "$out/haproxy.cfg" ;;
    nginx)
      cat >"$out/nginx-stream.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $out/nginx.pid; error_log $out/nginx.err;
events { worker_connections 20000; }
stream {
  server { listen 127.0.0.1:$((IPERF + o)); proxy_pass 127.0.0.1:$IPERF; }
  server { listen 127.0.0.1:$((HTTP + o));  proxy_pass 127.0.0.1:$HTTP; }
  server { listen 127.0.0.1:$((ECHO + o));  proxy_pass 127.0.0.1:$ECHO; }
}
NGX
      bg taskset -c 1 nginx -c "$out/nginx-stream.conf" -p "$out" ;;
    *) echo "unknown target $t" >&2; exit 1 ;;
  esac
done
for t in "${targets[@]}"; do for p in $HTTP $ECHO $IPERF; do wait_port $((p + OFFSET[$t])); done; done
wait_port $HTTP; wait_port $ECHO

proxy_pids() {
  case $1 in
    vigil|vigil-b) pgrep -f "vigil.jar run -c $out/$1.conf" ;;
    haproxy) pgrep -f "haproxy -f $out/haproxy.cfg" ;;
    nginx) local m; m=$(cat "$out/nginx.pid"); echo "$m"; pgrep -P "$m" ;;
  esac
}
main_pid() { case $1 in nginx) pgrep -P "$(cat "$out/nginx.pid")" | head -1 ;; *) proxy_pids "$1" | head -1 ;; esac; }
loop_tid() { # the thread that does the proxying: Vigil's vigil-loop-0, else the (single-threaded) worker itself
  local pid; pid=$(main_pid "$1")
  case $1 in vigil|vigil-b) grep -l '^vigil-loop-0$' /proc/"$pid"/task/*/comm | cut -d/ -f5 ;; *) echo "$pid" ;; esac
}
cat >"$out/percentiles.lua" <<'LUA'
done = function(summary, latency, requests)
  for _, p in ipairs({50, 90, 99, 99.9}) do io.write(string.format("pct %s %d\n", p, latency:percentile(p))) end
  io.write(string.format("pct max %d\n", latency.max))
end
LUA
wrk_run() { taskset -c 0 wrk -t1 -c64 -d"$2s" -s "$out/percentiles.lua" "http://127.0.0.1:$((HTTP + OFFSET[$1]))/"; }
before_window() { # run-core's round before its wrk: the bulk transfer
  taskset -c 0 iperf3 -c 127.0.0.1 -p $((IPERF + OFFSET[$1])) -t "$DURATION" >/dev/null
}
after_window() { # and after it
  local o=${OFFSET[$1]}
  taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + o))" --rate 20000 --duration "${DURATION}s" \
    --warmup 1s --connections 32 --size 64 --quiet --out "$out/fixed-$1" >/dev/null
  taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + o))" --new-connection --max --duration 5s \
    --warmup 0s --connections 16 --size 64 --quiet --out "$out/setup-$1" >/dev/null
}
jvm_events() { # jvm_events LOG FROM_MS TO_MS: compilations, GC pause ms, safepoints in [FROM, TO)
  python3 - "$@" <<'PY'
import re, sys
log, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
comp = gc = sp = 0; gc_ms = sp_ms = 0.0
for line in open(log, errors="replace"):
    m = re.match(r"\[(\d+)ms\]", line)
    if not m or not t0 <= int(m.group(1)) < t1:
        continue
    if re.match(r"\[\d+ms\]\s+\d+\s+[%sbn! ]*?\d\s+\S", line):   # a compilation or a "made not entrant"
        comp += 1
    p = re.search(r"Pause .*? ([\d.]+)ms$", line)
    if p:
        gc += 1; gc_ms += float(p.group(1))
    s = re.search(r'Safepoint ".*Total: (\d+) ns', line)
    if s:
        sp += 1; sp_ms += int(s.group(1)) / 1e6
print(f"jit_lines={comp}\tgc_pauses={gc}\tgc_ms={gc_ms:.1f}\tsafepoints={sp}\tsafepoint_ms={sp_ms:.1f}")
PY
}

echo "tail-probe.sh: ${targets[*]}, warm-up, then $ROUNDS round(s) of ${DURATION} s windows -> $out"
for t in "${targets[@]}"; do   # run-core.sh's warm-up
  wrk_run "$t" "$WARMUP" >/dev/null
  taskset -c 0 iperf3 -c 127.0.0.1 -p $((IPERF + OFFSET[$t])) -t 2 >/dev/null
  taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + OFFSET[$t]))" --new-connection --max --duration 2s \
    --warmup 0s --connections 16 --size 64 --quiet --out "$out/warmup-setup-$t" >/dev/null
  wrk_run "$t" 10 >/dev/null
done
hz=$(getconf CLK_TCK)
events=raw_syscalls:sys_enter,syscalls:sys_enter_epoll_wait,context-switches,page-faults
for round in $(seq "$ROUNDS"); do
  for t in "${targets[@]}"; do
    pid=$(main_pid "$t"); tid=$(loop_tid "$t"); w="$out/w-$t-$round"
    [ -z "${HISTORY:-}" ] || before_window "$t"
    read -r u0 s0 < <(cpu_ticks_split "$t")
    perf stat -x, -e "$events" -p "$(proxy_pids "$t" | paste -sd,)" -o "$w.stat" -- sleep "$DURATION" & st=$!
    perf record -q -m 2048 -e sched:sched_switch -C 1 -o "$w.sched" -- sleep "$DURATION" 2>/dev/null & sc=$!
    from=$(date +%s%3N)
    wrk_run "$t" "$DURATION" >"$w.wrk"
    to=$(date +%s%3N)
    wait $st $sc || true
    read -r u1 s1 < <(cpu_ticks_split "$t")
    n=$(wrk_requests "$w.wrk")
    line="round=$round\ttarget=$t\tfrom_ms=$from\tto_ms=$to\trps=$(awk '/Requests\/sec/{print int($2)}' "$w.wrk")"
    line+="\t$(awk '/^pct/{printf "p%s_us=%s\t", $2, $3}' "$w.wrk")"
    line+="$(python3 -c "import sys; u, s, hz, n = map(int, sys.argv[1:]); f = 1e6 / hz / max(1, n)
print(f'user_us={u * f:.2f}\tsys_us={s * f:.2f}')" $((u1 - u0)) $((s1 - s0)) "$hz" "$n")"
    line+="\t$(python3 - "$w.stat" "$n" <<'PY'
import sys
n = max(1, int(sys.argv[2])); v = {}
for row in open(sys.argv[1]):
    f = row.strip().split(",")
    if len(f) > 2 and f[0].replace(".", "").isdigit():
        v[f[2].split(":")[-1]] = float(f[0])
print("\t".join(f"{k}_per_req={v.get(e, 0) / n:.4f}" for k, e in (("sys", "sys_enter"),
      ("epoll_wait", "sys_enter_epoll_wait"), ("cs", "context-switches"), ("faults", "page-faults"))))
PY
)"
    line+="\t$(perf script -F comm,pid,tid,cpu,time,trace -i "$w.sched" 2>/dev/null |
      python3 benchmarks/tail_sched.py "$pid" "$tid" "$DURATION")"
    case $t in vigil|vigil-b) line+="\t$(jvm_events "$out/$t-jvm.log" "$from" "$to")" ;; esac
    echo -e "$line" | tee -a "$out/windows.tsv"
    rm -f "$w.sched"
    [ -z "${HISTORY:-}" ] || after_window "$t"
  done
done
for t in "${targets[@]}"; do   # the batch shape, traced (slower: shape, not level)
  wrk_run "$t" $((BATCH_SECONDS + 2)) >/dev/null & load=$!
  sleep 1
  perf record -q -e raw_syscalls:sys_enter,raw_syscalls:sys_exit -p "$(main_pid "$t")" -o "$out/batch-$t.data" \
    -- sleep "$BATCH_SECONDS" 2>/dev/null
  wait $load || true
  echo -e "target=$t\t$(perf script -F tid,time,event,trace -i "$out/batch-$t.data" 2>/dev/null |
    python3 benchmarks/tail_syscalls.py)" | tee -a "$out/batches.tsv"
  rm -f "$out/batch-$t.data"
done
for t in "${targets[@]}"; do
  case $t in vigil|vigil-b) kill "$(main_pid "$t")" ;; esac   # a clean stop: -Dvigil.loop.histograms prints then
done
sleep 2
echo "raw: $out"
