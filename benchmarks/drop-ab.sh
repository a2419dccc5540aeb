#!/usr/bin/env bash
# Issue 15: does a history of run-core's other scenarios leave Vigil slower at wrk? Two Vigil processes (the same jar,
# bin/vigil's flags, both pinned to CPU 1; load and upstreams on CPU 0), both warmed as run-core warms; then short
# wrk windows alternate A, B, A, B (PAIRS_BEFORE pairs: the A/A noise floor of two processes), B alone gets
# HISTORY rounds of run-core's other scenarios (setup 5 s, iperf 10 s, fixed-rate 10 s) while A idles, and the
# windows alternate again (PAIRS_AFTER pairs). Per pair: B/A of CPU us per request; neighbouring windows share the
# machine's load, so the ratio survives a loaded machine better than either figure.
#   benchmarks/drop-ab.sh            WINDOW=3 PAIRS_BEFORE=10 PAIRS_AFTER=20 HISTORY=3 (about 5 minutes)
#   B=haproxy HISTORY=0 PAIRS_AFTER=0 PAIRS_BEFORE=30 benchmarks/drop-ab.sh   B is HAProxy (1 thread, mode tcp, as in
#                                    run-core): whether the machine's slow episodes hit Vigil and HAProxy alike
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WINDOW=${WINDOW:-3}; PAIRS_BEFORE=${PAIRS_BEFORE:-10}; PAIRS_AFTER=${PAIRS_AFTER:-20}; HISTORY=${HISTORY:-3}
out=${OUT:-"benchmarks/out/drop-ab-$(date +%Y%m%d-%H%M%S)"}; mkdir -p "$out"; out=$(realpath "$out")
ulimit -n 20000
source benchmarks/lib.sh
IPERF=16901; HTTP=19780; ECHO=18700   # upstreams; Vigil A listens at -1000, B at -900
bg taskset -c 0 iperf3 -s -p $IPERF
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $out/origin.pid; error_log $out/origin.err;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:$HTTP; location / { return 200 "ok\n"; } } }
NGX
bg taskset -c 0 nginx -c "$out/origin.conf" -p "$out"
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:$ECHO
declare -A OFF=([a]=1000 [b]=900)
B=${B:-vigil}
for v in a b; do
  o=${OFF[$v]}
  if [ "$v" = b ] && [ "$B" = haproxy ]; then
    printf '%s\n' global '  nbthread 1' '  maxconn 9900' defaults '  mode tcp' '  timeout connect 5s' \
      '  timeout client 10m' '  timeout server 10m' "listen iperf" "  bind 127.0.0.1:$((IPERF - o))" \
      "  server s 127.0.0.1:$IPERF" "listen http" "  bind 127.0.0.1:$((HTTP - o))" "  server s 127.0.0.1:$HTTP" \
      "listen echo" "  bind 127.0.0.1:$((ECHO - o))" "  server s 127.0.0.1:$ECHO" >"$out/haproxy-b.cfg"
    bg taskset -c 1 haproxy -f "$out/haproxy-b.cfg"
    continue
  fi
  cat >"$out/vigil-$v.conf" <<CONF
vigil { event-loops = 1
  listeners = [
    { name = iperf, listen = "127.0.0.1:$((IPERF - o))", upstream = iperf }
    { name = http,  listen = "127.0.0.1:$((HTTP - o))",  upstream = http }
    { name = echo,  listen = "127.0.0.1:$((ECHO - o))",  upstream = echo, access-log = false } ]
  upstreams { iperf { servers = ["127.0.0.1:$IPERF"] }, http { servers = ["127.0.0.1:$HTTP"] }
    echo { servers = ["127.0.0.1:$ECHO"] } } }
CONF
  JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" VIGIL_CDS=off taskset -c 1 bin/vigil run -c "$out/vigil-$v.conf" >"$out/vigil-$v.log" 2>&1 &
  pids+=($!)
done
for p in $IPERF $HTTP $ECHO; do wait_port $p; wait_port $((p - 1000)); wait_port $((p - 900)); done
proxy_pids() { if [ "$1" = b ] && [ "$B" = haproxy ]; then pgrep -f "haproxy -f $out/haproxy-b.cfg" || true
  else pgrep -f "run -c $out/vigil-$1.conf" || true; fi; }
hz=$(getconf CLK_TCK)
wrk_window() { # wrk_window a|b FILE: one measured window; prints CPU us per request
  local before after
  before=$(cpu_ticks "$1")
  taskset -c 0 wrk -t1 -c64 -d"${WINDOW}s" "http://127.0.0.1:$((HTTP - OFF[$1]))/" >"$2"
  after=$(cpu_ticks "$1")
  python3 -c "print(f'{($after - $before) / $hz * 1e6 / max(1, $(wrk_requests "$2")):.2f}')"
}
for v in a b; do   # run-core's warm-up
  taskset -c 0 wrk -t1 -c64 -d"${WARMUP:-20}s" "http://127.0.0.1:$((HTTP - OFF[$v]))/" >/dev/null
  taskset -c 0 iperf3 -c 127.0.0.1 -p $((IPERF - OFF[$v])) -t 2 >/dev/null
done
pairs() { # pairs LABEL N
  local i a b
  for i in $(seq "$2"); do
    if [ $((i % 2)) = 1 ]; then a=$(wrk_window a "$out/$1-$i-a.txt"); b=$(wrk_window b "$out/$1-$i-b.txt")
    else b=$(wrk_window b "$out/$1-$i-b.txt"); a=$(wrk_window a "$out/$1-$i-a.txt"); fi
    echo -e "$1\t$i\t$a\t$b" | tee -a "$out/pairs.tsv"
  done
}
echo -e "when\tpair\ta_us\tb_us" >"$out/pairs.tsv"
pairs before "$PAIRS_BEFORE"
[ "$HISTORY" = 0 ] || for r in $(seq "$HISTORY"); do   # B alone: run-core's other scenarios
  taskset -c 0 iperf3 -c 127.0.0.1 -p $((IPERF - 900)) -t 10 >/dev/null
  taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO - 900))" --rate 20000 --duration 10s --warmup 1s \
    --connections 32 --size 64 --quiet --out "$out/fixed-$r" >/dev/null
  taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO - 900))" --new-connection --max --duration 5s \
    --warmup 0s --connections 16 --size 64 --quiet --out "$out/setup-$r" >/dev/null
done
[ "$HISTORY" = 0 ] || taskset -c 0 iperf3 -c 127.0.0.1 -p $((IPERF - 900)) -t 10 >/dev/null   # as run-core: iperf, then wrk
[ "$PAIRS_AFTER" = 0 ] || pairs after "$PAIRS_AFTER"
python3 - "$out/pairs.tsv" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n")[1:] if l]
for when in ("before", "after"):
    r = sorted(float(b) / float(a) for w, _, a, b in rows if w == when)
    if not r:
        continue
    a = [float(x[2]) for x in rows if x[0] == when]; b = [float(x[3]) for x in rows if x[0] == when]
    print(f"{when}: B/A CPU us per request median {statistics.median(r):.3f} (min {r[0]:.3f}, max {r[-1]:.3f},"
          f" n={len(r)}); medians A {statistics.median(a):.2f} B {statistics.median(b):.2f}")
PY
echo "raw: $out"
