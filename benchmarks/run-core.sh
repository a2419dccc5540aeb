#!/usr/bin/env bash
# Side by side: direct, Vigil, nginx stream (1 worker) and HAProxy mode tcp (1 thread) in front of the same upstreams:
#   bulk throughput     iperf3, one stream
#   request/response    wrk -t1 -c64 against an nginx HTTP origin: req/s, p50, p99, proxy CPU
#   fixed-rate latency  bin/vigil-bench tcp, open loop at FIXED_RATE req/s (coordinated-omission corrected),
#                       64 B requests to the rig's echo upstream: p50 p90 p99 p99.9 max
#   connection setup    bin/vigil-bench tcp --new-connection --max: connect + request + close per request, per s
#   idle memory         RSS growth of the proxy holding N idle proxied connections (default 9,500: the fd limit
#                       here is 20,000 and a proxied connection costs the proxy two descriptors)
#   dead-peer delay     bin/vigil-bench deadpeer for each proxy: client blackholed, keepalive 1:1:2, time from
#                       the last traffic to the proxy closing the upstream side
# Every proxy is pinned to CPU 1 (one event loop / worker / thread); load and upstreams run on CPU 0.
# Cases are interleaved and repeated; the table shows medians. Loopback only; everything stops by itself.
#   benchmarks/run-core.sh                  all
#   ROUNDS=1 DURATION=5 IDLE_CONNS=2000 benchmarks/run-core.sh     quicker
#   BASELINE_JAR=/tmp/base/target/vigil.jar benchmarks/run-core.sh   also an older build ("base", ports +400),
#                                           interleaved with the current one; the table adds vigil/base
#                                           (BASELINE_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java: base on that JDK)
#   TARGETS="direct vigil base" ...         only these targets (default: direct vigil vigil-b nginx haproxy haproxy-b,
#                                           and base when BASELINE_JAR is set)
#   TARGETS="vigil vigil-spin" ...          also (only when named) this build with idle-strategy = spin and
#                                           idle-spin = IDLE_SPIN (default 50us), ports +500: block vs spin, interleaved
#   RUNS=2 ROUNDS=5 benchmarks/run-core.sh   2 whole runs back to back (each its own proxies and warm-up; no run
#                                           starts that would end past MAX_MINUTES, default 150), then one summary over
#                                           all 10 rounds (out/core-runs-*/summary.txt); the time is printed up front
#   OUT=DIR                                 the run's output directory (default benchmarks/out/DATE-TIME)
#   VIGIL_B_JAVA_OPTS="..."                 more JVM flags for vigil-b alone: no longer an A/A twin but an A/B of a
#                                           flag, interleaved (e.g. "-XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority=19")
#   WARMUP_ROUND=1                          the warm-up also runs one unrecorded round of the other scenarios per
#                                           target (iperf3 DURATION s, fixed rate DURATION s, setup 5 s) and wrk
#                                           WARMUP_AGAIN s after them: round 1 then no longer measures Vigil's JIT
#                                           recompiling the relay after the first long bulk transfer (RESULTS.md,
#                                           "The L4 wrk tail, placed")
#   haproxy-b, vigil-b                      A/A twins (in the default TARGETS): a second HAProxy (ports +600) and a
#                                           second Vigil (ports +700), each with the same binary, flags and config as
#                                           the first, interleaved like every target: the noise floors that the
#                                           summary's verdict per metric (ahead / level / behind) is judged against
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
IDLE_CONNS=${IDLE_CONNS:-9500}
DEAD_PEER_RUNS=${DEAD_PEER_RUNS:-3}
FIXED_RATE=${FIXED_RATE:-20000}
BASELINE_JAR=${BASELINE_JAR:-}
IDLE_SPIN=${IDLE_SPIN:-50us}
[ -z "$BASELINE_JAR" ] || [ -f "$BASELINE_JAR" ] || { echo "BASELINE_JAR $BASELINE_JAR: no such file" >&2; exit 1; }
read -r -a targets <<<"${TARGETS:-direct vigil vigil-b ${BASELINE_JAR:+base} nginx haproxy haproxy-b}"
source benchmarks/lib.sh

# the run's length, printed up front; per-step seconds from the 10:34 and 13:24 runs (RESULTS.md): a round takes
# 3 x DURATION + ~8 s per target, the idle scenario ~25 s per proxy, a dead-peer run ~4 s per proxy
proxies=0; for t in "${targets[@]}"; do [ "$t" = direct ] || proxies=$((proxies + 1)); done
lab=0; for t in "${targets[@]}"; do case $t in direct|vigil-spin) ;; *) lab=$((lab + 1)) ;; esac; done
[ "$(id -u)" = 0 ] && command -v nft >/dev/null || lab=0
again=${WARMUP_AGAIN:-10}; [ "$again" = 0 ] || again=$((again + 4))
[ -z "${WARMUP_ROUND:-}" ] || again=$((again + 2 * DURATION + ${WARMUP_AGAIN:-10} + 10))
run_seconds=$(( 15 + ${#targets[@]} * (${WARMUP:-20} + 3 + again) + ROUNDS * ${#targets[@]} * (3 * DURATION + 8)
  + proxies * 25 + DEAD_PEER_RUNS * lab * 4 ))
if [ "${RUNS:-1}" -gt 1 ]; then
  repeat_runs core "$run_seconds" "$PWD/benchmarks/run-core.sh" "${targets[@]}"
  exit
fi
echo "run-core.sh: ${targets[*]}, $ROUNDS round(s) of ${DURATION} s scenarios: ~$(( (run_seconds + 59) / 60 )) min"
out="${OUT:-benchmarks/out/$(date +%Y%m%d-%H%M%S)}"
out=$(realpath -m --relative-to="$PWD" "$out")   # relative: nginx's paths below are "$PWD/$out"
mkdir -p "$out"
ulimit -n 20000
install_missing iperf3:iperf3 wrk:wrk nginx:nginx-light /usr/lib/nginx/modules/ngx_stream_module.so:libnginx-mod-stream \
  haproxy:haproxy
bin/vigil --version >/dev/null   # builds the jar if needed


# ports: upstreams 152xx/180xx/190xx; proxies +100 (vigil), +200 (nginx), +300 (haproxy), +400 (base), +600 (haproxy-b),
# +700 (vigil-b)
IPERF=15201; HTTP=18080; SINK=19000; ECHO=17000
declare -A OFFSET=([direct]=0 [vigil]=100 [nginx]=200 [haproxy]=300 [base]=400 [vigil-spin]=500 [haproxy-b]=600
  [vigil-b]=700)
spin=""; for t in "${targets[@]}"; do [ "$t" != vigil-spin ] || spin=1; done
aa=""; for t in "${targets[@]}"; do [ "$t" != haproxy-b ] || aa=1; done
twin=""; for t in "${targets[@]}"; do [ "$t" != vigil-b ] || twin=1; done

# --- upstreams, CPU 0
bg taskset -c 0 iperf3 -s -p $IPERF
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/origin.pid; error_log $PWD/$out/origin.err;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$HTTP; location / { return 200 "ok\n"; } } }
NGX
bg taskset -c 0 nginx -c "$PWD/$out/origin.conf" -p "$PWD/$out"
bg taskset -c 0 java benchmarks/IdleConnections.java sink 127.0.0.1:$SINK
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:$ECHO

# --- proxies, CPU 1
vigil_conf() { # vigil_conf OFFSET [ROOT_KEYS]: the same configuration for the current and the baseline build
  local o=$1
  cat <<CONF
vigil {
  event-loops = 1
  ${2:-}
  listeners = [
    { name = iperf, listen = "127.0.0.1:$((IPERF+o))", upstream = iperf }
    { name = http,  listen = "127.0.0.1:$((HTTP+o))",  upstream = http }
    { name = idle,  listen = "127.0.0.1:$((SINK+o))",  upstream = sink, so-keepalive = "120:30:5" }
    { name = echo,  listen = "127.0.0.1:$((ECHO+o))",  upstream = echo, access-log = false }
  ]
  upstreams {
    iperf { servers = ["127.0.0.1:$IPERF"] }
    http  { servers = ["127.0.0.1:$HTTP"] }
    sink  { servers = ["127.0.0.1:$SINK"] }
    echo  { servers = ["127.0.0.1:$ECHO"] }
  }
}
CONF
}
vigil_conf 100 >"$out/vigil.conf"
JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 & pids+=($!)
if [ -n "$twin" ]; then   # the A/A twin: the same launcher, flags and configuration, its own ports
  vigil_conf 700 >"$out/vigil-b.conf"
  JAVA_OPTS="${VIGIL_JAVA_OPTS:-} ${VIGIL_B_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/vigil-b.conf" \
    >"$out/vigil-b.log" 2>&1 &
  twin_pid=$!; pids+=($!)
fi
if [ -n "$spin" ]; then
  vigil_conf 500 "idle-strategy = spin, idle-spin = $IDLE_SPIN" >"$out/vigil-spin.conf"
  JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/vigil-spin.conf" >"$out/vigil-spin.log" 2>&1 &
  pids+=($!)
fi
if [ -n "$BASELINE_JAR" ]; then
  vigil_conf 400 >"$out/base.conf"
  java_vigil 1 "$BASELINE_JAR" run -c "$out/base.conf" >"$out/base.log" 2>&1 & pids+=($!)
fi

cat >"$out/nginx-stream.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err;
worker_rlimit_nofile 20000;
events { worker_connections 20000; }
stream {
  server { listen 127.0.0.1:$((IPERF+200)); proxy_pass 127.0.0.1:$IPERF; }
  server { listen 127.0.0.1:$((HTTP+200));  proxy_pass 127.0.0.1:$HTTP; }
  server { listen 127.0.0.1:$((SINK+200)) so_keepalive=120:30:5; proxy_pass 127.0.0.1:$SINK; }
  server { listen 127.0.0.1:$((ECHO+200)); proxy_pass 127.0.0.1:$ECHO; }
}
NGX
bg taskset -c 1 nginx -c "$PWD/$out/nginx-stream.conf" -p "$PWD/$out"

haproxy_conf() { # haproxy_conf OFFSET: the same configuration for haproxy and its A/A twin haproxy-b
  local o=$1
  cat <<HAP
global
  nbthread 1
  maxconn 9900
  ulimit-n 20000
defaults
  mode tcp
  timeout connect 5s
  timeout client 10m
  timeout server 10m
listen iperf
  bind 127.0.0.1:$((IPERF+o))
  server s 127.0.0.1:$IPERF
listen http
  bind 127.0.0.1:$((HTTP+o))
  server s 127.0.0.1:$HTTP
listen idle
  bind 127.0.0.1:$((SINK+o))
  option clitcpka
  server s 127.0.0.1:$SINK
listen echo
  bind 127.0.0.1:$((ECHO+o))
  server s 127.0.0.1:$ECHO
HAP
}
haproxy_conf 300 >"$out/haproxy.cfg"
bg taskset -c 1 haproxy -f "$out/haproxy.cfg"
if [ -n "$aa" ]; then
  haproxy_conf 600 >"$out/haproxy-b.cfg"
  bg taskset -c 1 haproxy -f "$out/haproxy-b.cfg"
fi

for p in $IPERF $HTTP $SINK $ECHO; do
  for o in 0 100 200 300 ${BASELINE_JAR:+400} ${spin:+500} ${aa:+600} ${twin:+700}; do wait_port $((p+o)); done
done

proxy_pids() { # pids whose CPU and memory count for a proxy
  case $1 in
    vigil) pgrep -f "vigil.jar run -c $out/vigil.conf" ;;
    vigil-spin) pgrep -f "vigil.jar run -c $out/vigil-spin.conf" ;;
    vigil-b) pgrep -f "vigil.jar run -c $out/vigil-b.conf" ;;
    base) pgrep -f "jar $BASELINE_JAR run -c $out/base.conf" ;;
    nginx) local m; m=$(cat "$out/nginx.pid"); echo "$m"; pgrep -P "$m" ;;
    haproxy) pgrep -f "haproxy -f $out/haproxy.cfg" ;;
    haproxy-b) pgrep -f "haproxy -f $out/haproxy-b.cfg" ;;
    direct) ;;
  esac
}
# heap_used_kib vigil|vigil-b|base|vigil-spin: live Java heap after a full GC (RSS growth hides it when the heap grew)
heap_used_kib() {
  local pid jcmd; pid=$(proxy_pids "$1" | head -1)
  # the jcmd of the JVM that runs the process; the sum reads JDK 17's "def new generation total NK, used NK", JDK 25's
  # "DefNew total NK, used NK" (the older pattern missed it: 0 on JDK 25) and G1's "committed NK, used NK"
  jcmd="$(dirname "$(readlink -f "/proc/$pid/exe")")/jcmd"
  "$jcmd" "$pid" GC.run >/dev/null
  "$jcmd" "$pid" GC.heap_info | python3 -c 'import re,sys
t=sys.stdin.read(); print(sum(int(u) for u in re.findall(r"(?:total|committed) \d+K, used (\d+)K", t)))'
}
rss_kib() { local t=0; for p in $(proxy_pids "$1"); do t=$((t + $(awk '/VmRSS/{print $2}' "/proc/$p/status"))); done; echo $t; }

results="$out/raw.tsv"
echo -e "round\ttarget\ttest\tvalue" >"$results"
hz=$(getconf CLK_TCK)
# Warm-up, not recorded, the same for all: WARMUP seconds of wrk, then every other scenario of a round briefly (bulk,
# new connections), then WARMUP_AGAIN seconds of wrk. For Vigil this is the JIT's: the first closes of wrk's clients
# and the first bulk transfer make C2 discard the relay path compiled on wrk alone, and without the second wrk round 1
# paid for compiling it again on the proxy's core (RESULTS.md, "Vigil's L4 round-to-round drop, probed";
# WARMUP_AGAIN=0 for the old warm-up).
for target in "${targets[@]}"; do
  taskset -c 0 wrk -t1 -c64 -d"${WARMUP:-20}s" "http://127.0.0.1:$((HTTP + OFFSET[$target]))/" >/dev/null
  taskset -c 0 iperf3 -c 127.0.0.1 -p "$((IPERF + OFFSET[$target]))" -t 2 >/dev/null
  if [ "${WARMUP_AGAIN:-10}" != 0 ]; then
    taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + OFFSET[$target]))" --new-connection --max \
      --duration 2s --warmup 0s --connections 16 --size 64 --quiet --out "$out/warmup-setup-$target" >/dev/null
    taskset -c 0 wrk -t1 -c64 -d"${WARMUP_AGAIN:-10}s" "http://127.0.0.1:$((HTTP + OFFSET[$target]))/" >/dev/null
  fi
  if [ -n "${WARMUP_ROUND:-}" ]; then   # a whole round's other scenarios, unrecorded, and wrk after them
    taskset -c 0 iperf3 -c 127.0.0.1 -p "$((IPERF + OFFSET[$target]))" -t "$DURATION" >/dev/null
    taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + OFFSET[$target]))" --rate "$FIXED_RATE" \
      --duration "${DURATION}s" --warmup 1s --connections 32 --size 64 --quiet --out "$out/warmup-fixed-$target" >/dev/null
    taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + OFFSET[$target]))" --new-connection --max \
      --duration 5s --warmup 0s --connections 16 --size 64 --quiet --out "$out/warmup-setup2-$target" >/dev/null
    taskset -c 0 wrk -t1 -c64 -d"${WARMUP_AGAIN:-10}s" "http://127.0.0.1:$((HTTP + OFFSET[$target]))/" >/dev/null
  fi
done
for round in $(seq "$ROUNDS"); do
  for target in "${targets[@]}"; do
    port=$((IPERF + OFFSET[$target]))
    gbps=$(taskset -c 0 iperf3 -c 127.0.0.1 -p "$port" -t "$DURATION" -J | python3 -c \
      'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9, 2))')
    echo -e "$round\t$target\tgbps\t$gbps" | tee -a "$results"

    port=$((HTTP + OFFSET[$target]))
    read -r timewait conntrack < <(kernel_conn_state)
    read -r user0 sys0 < <(cpu_ticks_split "$target")
    before=$(cpu_ticks "$target")
    taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" --latency "http://127.0.0.1:$port/" >"$out/wrk-$target-$round.txt"
    after=$(cpu_ticks "$target")
    read -r user1 sys1 < <(cpu_ticks_split "$target")
    rps=$(awk '/Requests\/sec/{print int($2)}' "$out/wrk-$target-$round.txt")
    p50=$(awk '$1=="50%"{print $2}' "$out/wrk-$target-$round.txt")
    p99=$(awk '$1=="99%"{print $2}' "$out/wrk-$target-$round.txt")
    cpu=$(( (after - before) * 100 / hz / DURATION ))
    echo -e "$round\t$target\trps\t$rps\n$round\t$target\tp50\t$p50\n$round\t$target\tp99\t$p99\n$round\t$target\tcpu%\t$cpu" | tee -a "$results"
    [ "$target" = direct ] || python3 -c 'import sys; t, hz, n = map(int, sys.argv[1:4])
print(f"{sys.argv[4]}\t{sys.argv[5]}\tcpu_us_per_req\t{t / hz * 1e6 / max(1, n):.2f}")' \
      "$((after - before))" "$hz" "$(wrk_requests "$out/wrk-$target-$round.txt")" "$round" "$target" | tee -a "$results"
    # raw.tsv only (issue 15's round-to-round drop): user vs kernel CPU per request, and the kernel's leftover
    # connections (TIME_WAIT sockets, conntrack entries) when the wrk run began
    [ "$target" = direct ] || python3 -c 'import sys; u, s, hz, n = map(int, sys.argv[1:5])
f = 1e6 / hz / max(1, n); print(f"{sys.argv[5]}\t{sys.argv[6]}\tcpu_user_us_per_req\t{u * f:.2f}\n"
      f"{sys.argv[5]}\t{sys.argv[6]}\tcpu_sys_us_per_req\t{s * f:.2f}")' "$((user1 - user0))" "$((sys1 - sys0))" "$hz" \
      "$(wrk_requests "$out/wrk-$target-$round.txt")" "$round" "$target" >>"$results"
    echo -e "$round\t$target\twrk_time_wait_before\t$timewait\n$round\t$target\twrk_conntrack_before\t$conntrack" >>"$results"

    port=$((ECHO + OFFSET[$target]))
    rig="$out/rig-$target-$round"
    before=$(cpu_ticks "$target")
    taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$port" --rate "$FIXED_RATE" --duration "${DURATION}s" \
      --warmup 1s --connections 32 --size 64 --quiet --out "$rig-fixed" >"$rig-fixed.txt"
    after=$(cpu_ticks "$target")
    # warm-up included: the proxy's CPU % of its core over the whole fixed-rate run (idle-strategy = spin shows here)
    [ "$target" = direct ] ||
      echo -e "$round\t$target\tfixed_cpu%\t$(( (after - before) * 100 / hz / (DURATION + 1) ))" | tee -a "$results"
    before=$(cpu_ticks "$target")
    taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$port" --new-connection --max --duration 5s \
      --warmup 0s --connections 16 --size 64 --quiet --out "$rig-setup" >"$rig-setup.txt"
    after=$(cpu_ticks "$target")
    echo -e "$round\t$target\tsetup_cpu_ticks\t$((after - before))" >>"$results"
    python3 - "$rig-fixed/summary.json" "$rig-setup/summary.json" "$round" "$target" <<'PY' | tee -a "$results"
import json, sys
fixed, setup = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
r, t = sys.argv[3], sys.argv[4]
for k in ("p50", "p90", "p99", "p99_9", "max"):
    print(f"{r}\t{t}\tfixed_{k}\t{fixed['latency_us'][k] / 1000:.3f}")
print(f"{r}\t{t}\tfixed_errors\t{fixed['errors']}")
print(f"{r}\t{t}\tsetup_rate\t{setup['achieved_rate']:.0f}")
PY
    if [ "$target" != direct ]; then   # proxy CPU per setup: the rate itself is bound by the load core
      python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); t=int(sys.argv[2]); hz=int(sys.argv[3])
n=max(1, s["requests"]); print(f"{sys.argv[4]}\t{sys.argv[5]}\tsetup_cpu_us\t{t / hz * 1e6 / n:.1f}")' \
        "$rig-setup/summary.json" "$((after - before))" "$hz" "$round" "$target" | tee -a "$results"
    fi
  done
done

# idle memory: one proxy at a time holds IDLE_CONNS idle proxied connections
for target in "${targets[@]}"; do
  [ "$target" != direct ] || continue
  port=$((SINK + OFFSET[$target]))
  case $target in vigil|vigil-b|base|vigil-spin) heap0=$(heap_used_kib "$target") ;; esac
  base=$(rss_kib "$target")
  fifo="$out/hold-$target.out"
  taskset -c 0 java benchmarks/IdleConnections.java hold "127.0.0.1:$port" "$IDLE_CONNS" 20 >"$fifo" 2>&1 &
  holder=$!
  for _ in $(seq 600); do grep -q HELD "$fifo" && break; sleep 0.1; done
  grep -q HELD "$fifo" || { echo "$target: idle connections not established: $(cat "$fifo")" >&2; kill $holder; continue; }
  sleep 2
  held=$(rss_kib "$target")
  per=$(python3 -c "print(round(($held - $base) / $IDLE_CONNS, 2))")
  echo -e "1\t$target\tidle_kib_per_conn\t$per\n1\t$target\tidle_rss_mib\t$((held / 1024))" | tee -a "$results"
  if [[ " vigil vigil-b base vigil-spin " == *" $target "* ]]; then
    heap1=$(heap_used_kib "$target")
    echo -e "1\t$target\tidle_heap_kib_per_conn\t$(python3 -c "print(round(($heap1 - $heap0) / $IDLE_CONNS, 2))")" |
      tee -a "$results"
  fi
  wait $holder || true
  sleep 3
done

# dead-peer delay: the lab (private network namespace, client blackholed, keepalive 1:1:2 = 3000 ms budget)
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null; then
  cat >"$out/lab-vigil.conf" <<CONF
vigil { event-loops = 1, listeners = [{ name = lab, listen = "127.0.0.1:8000", upstream = echo, so-keepalive = "1:1:2" }]
  upstreams { echo { servers = ["127.0.0.3:9000"] } } }
CONF
  cat >"$out/lab-nginx.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/lab-nginx.pid; error_log $PWD/$out/lab-nginx.err;
events { worker_connections 1024; }
stream { server { listen 127.0.0.1:8000 so_keepalive=1:1:2; proxy_pass 127.0.0.3:9000; } }
NGX
  printf '%s\n' global '  nbthread 1' defaults '  mode tcp' '  timeout connect 5s' '  timeout client 10m' \
    '  timeout server 10m' 'listen lab' '  bind 127.0.0.1:8000' '  option clitcpka' '  clitcpka-idle 1s' \
    '  clitcpka-intvl 1s' '  clitcpka-cnt 2' '  server s 127.0.0.3:9000' >"$out/lab-haproxy.cfg"
  declare -A LAB=([vigil]="$PWD/bin/vigil run -c $PWD/$out/lab-vigil.conf"
    [vigil-b]="$PWD/bin/vigil run -c $PWD/$out/lab-vigil.conf"
    [base]="env LC_ALL=C.UTF-8 java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar $BASELINE_JAR run -c $PWD/$out/lab-vigil.conf"
    [nginx]="nginx -c $PWD/$out/lab-nginx.conf -p $PWD/$out" [haproxy]="haproxy -f $PWD/$out/lab-haproxy.cfg"
    [haproxy-b]="haproxy -f $PWD/$out/lab-haproxy.cfg")
  for i in $(seq "$DEAD_PEER_RUNS"); do
    for target in "${targets[@]}"; do
      case $target in direct|vigil-spin) continue ;; esac   # the idle strategy does not change keepalive
      bin/vigil-bench deadpeer --proxy-cmd "${LAB[$target]}" --connections 20 --budget 4s --wait 30s \
        --out "$out/lab-$target-$i" >"$out/lab-$target-$i.txt" 2>&1 || true
      python3 - "$out/lab-$target-$i/deadpeer.json" "$i" "$target" <<'PY' | tee -a "$results"
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = d["closed_after_ms"]
    worst = max(v) if v and len(v) == d["connections"] else 99999  # 99999: some never closed within --wait
except (OSError, ValueError):
    worst = 99999
print(f"{sys.argv[2]}\t{sys.argv[3]}\tdead_peer_close_ms\t{worst}")
PY
    done
  done
fi

# the twin first, alone: both Vigils write bin/vigil's class-data archive at a clean exit (JDK 17, when none was there
# yet), and two at once could write the same file together
if [ -n "$twin" ]; then kill "$twin_pid" 2>/dev/null || true; wait "$twin_pid" 2>/dev/null || true; fi
python3 benchmarks/summarize.py "$results" core "${targets[@]}" | tee "$out/summary.txt"
echo "raw results and logs: $out"
