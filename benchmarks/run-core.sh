#!/usr/bin/env bash
# Vigil's first benchmarks, side by side with direct, nginx stream (1 worker) and HAProxy (1 thread):
#   bulk throughput     iperf3, one stream, 10 s
#   request/response    wrk -t1 -c64 against an nginx HTTP origin: req/s, p50, p99, proxy CPU
#   idle memory         RSS growth of the proxy holding N idle proxied connections (default 9,500)
#   dead-peer delay     the dead-client scenario, repeated: time from last traffic to Vigil closing both sides
# Every proxy is pinned to CPU 1 (one event loop / worker / thread); load and upstreams run on CPU 0.
# Cases are interleaved and repeated; the table shows medians. Loopback only; everything stops by itself.
#   benchmarks/run-core.sh                  all
#   ROUNDS=1 DURATION=5 IDLE_CONNS=2000 benchmarks/run-core.sh     quicker
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
IDLE_CONNS=${IDLE_CONNS:-9500}
DEAD_PEER_RUNS=${DEAD_PEER_RUNS:-5}
out="benchmarks/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n 20000

need=()
command -v iperf3 >/dev/null || need+=(iperf3)
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
command -v haproxy >/dev/null || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
bin/vigil --version >/dev/null   # builds the jar if needed

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
bg() { "$@" >>"$out/processes.log" 2>&1 & pids+=($!); }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

# ports: upstreams 152xx/180xx/190xx; proxies +100 (vigil), +200 (nginx), +300 (haproxy)
IPERF=15201; HTTP=18080; SINK=19000
declare -A OFFSET=([direct]=0 [vigil]=100 [nginx]=200 [haproxy]=300)

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

# --- proxies, CPU 1
cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [
    { name = iperf, listen = "127.0.0.1:$((IPERF+100))", upstream = iperf }
    { name = http,  listen = "127.0.0.1:$((HTTP+100))",  upstream = http }
    { name = idle,  listen = "127.0.0.1:$((SINK+100))",  upstream = sink, so-keepalive = "120:30:5" }
  ]
  upstreams {
    iperf { servers = ["127.0.0.1:$IPERF"] }
    http  { servers = ["127.0.0.1:$HTTP"] }
    sink  { servers = ["127.0.0.1:$SINK"] }
  }
}
CONF
JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 & pids+=($!)
vigil_pid=$!

cat >"$out/nginx-stream.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err;
worker_rlimit_nofile 20000;
events { worker_connections 20000; }
stream {
  server { listen 127.0.0.1:$((IPERF+200)); proxy_pass 127.0.0.1:$IPERF; }
  server { listen 127.0.0.1:$((HTTP+200));  proxy_pass 127.0.0.1:$HTTP; }
  server { listen 127.0.0.1:$((SINK+200)) so_keepalive=120:30:5; proxy_pass 127.0.0.1:$SINK; }
}
NGX
bg taskset -c 1 nginx -c "$PWD/$out/nginx-stream.conf" -p "$PWD/$out"

cat >"$out/haproxy.cfg" <<HAP
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
  bind 127.0.0.1:$((IPERF+300))
  server s 127.0.0.1:$IPERF
listen http
  bind 127.0.0.1:$((HTTP+300))
  server s 127.0.0.1:$HTTP
listen idle
  bind 127.0.0.1:$((SINK+300))
  option clitcpka
  server s 127.0.0.1:$SINK
HAP
bg taskset -c 1 haproxy -f "$out/haproxy.cfg"

for p in $IPERF $HTTP $SINK; do for o in 0 100 200 300; do wait_port $((p+o)); done; done

proxy_pids() { # pids whose CPU and memory count for a proxy
  case $1 in
    vigil) pgrep -f "vigil.jar run -c $out/vigil.conf" ;;
    nginx) local m; m=$(cat "$out/nginx.pid"); echo "$m"; pgrep -P "$m" ;;
    haproxy) pgrep -f "haproxy -f $out/haproxy.cfg" ;;
    direct) ;;
  esac
}
cpu_ticks() { local t=0; for p in $(proxy_pids "$1"); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
rss_kib() { local t=0; for p in $(proxy_pids "$1"); do t=$((t + $(awk '/VmRSS/{print $2}' "/proc/$p/status"))); done; echo $t; }

results="$out/raw.tsv"
echo -e "round\ttarget\ttest\tvalue" >"$results"
hz=$(getconf CLK_TCK)
targets=(direct vigil nginx haproxy)
for target in "${targets[@]}"; do   # warm-up, not recorded (JIT for Vigil; the same for all): WARMUP seconds of wrk each
  taskset -c 0 wrk -t1 -c64 -d"${WARMUP:-20}s" "http://127.0.0.1:$((HTTP + OFFSET[$target]))/" >/dev/null
  taskset -c 0 iperf3 -c 127.0.0.1 -p "$((IPERF + OFFSET[$target]))" -t 2 >/dev/null
done
for round in $(seq "$ROUNDS"); do
  for target in "${targets[@]}"; do
    port=$((IPERF + OFFSET[$target]))
    gbps=$(taskset -c 0 iperf3 -c 127.0.0.1 -p "$port" -t "$DURATION" -J | python3 -c \
      'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9, 2))')
    echo -e "$round\t$target\tgbps\t$gbps" | tee -a "$results"

    port=$((HTTP + OFFSET[$target]))
    before=$(cpu_ticks "$target")
    taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" --latency "http://127.0.0.1:$port/" >"$out/wrk-$target-$round.txt"
    after=$(cpu_ticks "$target")
    rps=$(awk '/Requests\/sec/{print int($2)}' "$out/wrk-$target-$round.txt")
    p50=$(awk '$1=="50%"{print $2}' "$out/wrk-$target-$round.txt")
    p99=$(awk '$1=="99%"{print $2}' "$out/wrk-$target-$round.txt")
    cpu=$(( (after - before) * 100 / hz / DURATION ))
    echo -e "$round\t$target\trps\t$rps\n$round\t$target\tp50\t$p50\n$round\t$target\tp99\t$p99\n$round\t$target\tcpu%\t$cpu" | tee -a "$results"
  done
done

# idle memory: one proxy at a time holds IDLE_CONNS idle proxied connections
for target in vigil nginx haproxy; do
  port=$((SINK + OFFSET[$target]))
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
  wait $holder || true
  sleep 3
done

# dead-peer delay: the CLIENT_DEAD scenario (so-keepalive 1:1:2, budget 3 s) in a private network namespace
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null; then
  mvn -q -B -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile="$out/cp.txt" >/dev/null
  for i in $(seq "$DEAD_PEER_RUNS"); do
    line=$(unshare -n -- java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
      -cp "target/test-classes:target/classes:$(cat "$out/cp.txt")" io.vigil.scenario.KeepaliveScenarios CLIENT_DEAD | grep "kernel verdict")
    ms=$(sed -E 's/.*close after ([0-9]+) ms.*/\1/' <<<"$line")
    echo -e "$i\tvigil\tdead_peer_close_ms\t$ms" | tee -a "$results"
  done
fi

python3 - "$results" <<'PY' | tee "$out/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def num(v):
    v = v.strip()
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit) and v[:-len(unit)].replace(".", "").isdigit():
            return float(v[:-len(unit)]) * scale
    return float(v)
vals = {}
for r in rows:
    vals.setdefault((r["target"], r["test"]), []).append(num(r["value"]))
med = {k: statistics.median(v) for k, v in vals.items()}
def cell(t, test, fmt="{:.2f}"):
    return fmt.format(med[(t, test)]) if (t, test) in med else "-"
def ratio(t, test, base):
    if (t, test) not in med or not med.get((base, test)):
        return "-"
    return "{:.2f}".format(med[(t, test)] / med[(base, test)])
print("| metric | direct | vigil | nginx stream | haproxy | vigil/direct | vigil/nginx |")
print("|---|---|---|---|---|---|---|")
for test, label in (("gbps", "iperf3 Gbit/s"), ("rps", "wrk req/s"), ("p50", "wrk p50 ms"), ("p99", "wrk p99 ms"),
                    ("cpu%", "proxy CPU % of its core (wrk)"), ("idle_kib_per_conn", "KiB per idle proxied conn"),
                    ("idle_rss_mib", "RSS MiB holding the idle conns")):
    print(f"| {label} | " + " | ".join(cell(t, test) for t in ("direct", "vigil", "nginx", "haproxy")) +
          f" | {ratio('vigil', test, 'direct')} | {ratio('vigil', test, 'nginx')} |")
if ("vigil", "dead_peer_close_ms") in vals:
    v = vals[("vigil", "dead_peer_close_ms")]
    print(f"\ndead client, so-keepalive 1:1:2 (kernel budget 3000 ms): Vigil closed both sides after "
          f"median {statistics.median(v):.0f} ms, max {max(v):.0f} ms over {len(v)} runs")
PY
echo "raw results and logs: $out"
