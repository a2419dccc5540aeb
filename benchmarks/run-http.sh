#!/usr/bin/env bash
# HTTP mode side by side: wrk through Vigil (mode = http, upstream keepalive) vs nginx as an HTTP reverse proxy
# (keepalive CONNS, proxy_http_version 1.1) vs HAProxy mode http (1 thread, http-reuse safe) vs direct, all in
# front of the same nginx origin. Proxies pinned to CPU 1 (one loop / worker / thread); wrk and the origin on
# CPU 0. Access logs off everywhere. Cases interleaved and repeated; the table shows medians.
# Also latency at a fixed rate below saturation: bin/vigil-bench http, open loop at FIXED_RATE req/s, corrected
# for coordinated omission (where a tail comparison means something: every proxy has spare CPU).
#   benchmarks/run-http.sh
#   ROUNDS=1 DURATION=5 WARMUP=5 WARMUP_FIXED=2 benchmarks/run-http.sh      quicker
#   BASELINE_JAR=/tmp/base/target/vigil.jar benchmarks/run-http.sh   also an older build ("base", port 18880),
#                                           interleaved with the current one; the table adds vigil/base
#   TARGETS="direct vigil base" ...         only these targets (default: direct vigil vigil-b nginx haproxy haproxy-b,
#                                           and base when BASELINE_JAR is set)
#   RUNS=2 ROUNDS=5 benchmarks/run-http.sh   2 whole runs back to back (each its own proxies and warm-up; no run
#                                           starts that would end past MAX_MINUTES, default 150), then one summary over
#                                           all 10 rounds (out/http-runs-*/summary.txt); the time is printed up front
#   OUT=DIR                                 the run's output directory (default benchmarks/out/http-DATE-TIME)
#   WARMUP_ROUND=1                          the warm-up also runs one unrecorded round per target (wrk and the fixed
#                                           rate, DURATION s each) and WARMUP_AGAIN s (default 10) of wrk after it:
#                                           round 1 otherwise measures Vigil's JIT recompiling the saturated path after
#                                           the warm-up's fixed-rate phase (RESULTS.md, the 18:27 HTTP run)
#   haproxy-b, vigil-b                      A/A twins (in the default TARGETS): a second HAProxy (port 18980) and a
#                                           second Vigil (port 19080), each with the same binary, flags and config as
#                                           the first, interleaved like every target: the noise floors that the
#                                           summary's verdict per metric (ahead / level / behind) is judged against
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
FIXED_RATE=${FIXED_RATE:-40000}
BASELINE_JAR=${BASELINE_JAR:-}
[ -z "$BASELINE_JAR" ] || [ -f "$BASELINE_JAR" ] || { echo "BASELINE_JAR $BASELINE_JAR: no such file" >&2; exit 1; }
read -r -a targets <<<"${TARGETS:-direct vigil vigil-b ${BASELINE_JAR:+base} nginx haproxy haproxy-b}"
source benchmarks/lib.sh

# the run's length, printed up front; per-step seconds from the 13:14 run (RESULTS.md): a round takes 2 x DURATION +
# ~2 s per target, the warm-up WARMUP + WARMUP_FIXED + ~3 s per target
again=0; [ -z "${WARMUP_ROUND:-}" ] || again=$((2 * DURATION + ${WARMUP_AGAIN:-10} + 4))
run_seconds=$(( 8 + ${#targets[@]} * (${WARMUP:-20} + ${WARMUP_FIXED:-5} + 3 + again)
  + ROUNDS * ${#targets[@]} * (2 * DURATION + 2) ))
if [ "${RUNS:-1}" -gt 1 ]; then
  repeat_runs http "$run_seconds" "$PWD/benchmarks/run-http.sh" "${targets[@]}"
  exit
fi
echo "run-http.sh: ${targets[*]}, $ROUNDS round(s) of ${DURATION} s scenarios: ~$(( (run_seconds + 59) / 60 )) min"
out="${OUT:-benchmarks/out/http-$(date +%Y%m%d-%H%M%S)}"
out=$(realpath -m --relative-to="$PWD" "$out")   # relative: nginx's paths below are "$PWD/$out"
mkdir -p "$out"
ulimit -n 20000
install_missing wrk:wrk nginx:nginx-light haproxy:haproxy
bin/vigil --version >/dev/null   # builds the jar if needed


ORIGIN=18480
declare -A PORT=([direct]=$ORIGIN [vigil]=18580 [nginx]=18680 [haproxy]=18780)
[ -z "$BASELINE_JAR" ] || PORT[base]=18880
aa=""; for t in "${targets[@]}"; do [ "$t" != haproxy-b ] || aa=1; done
[ -z "$aa" ] || PORT[haproxy-b]=18980
twin=""; for t in "${targets[@]}"; do [ "$t" != vigil-b ] || twin=1; done
[ -z "$twin" ] || PORT[vigil-b]=19080

# --- origin, CPU 0: a 100-byte body
body=$(printf 'x%.0s' $(seq 99))
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/origin.pid; error_log $PWD/$out/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:$ORIGIN; location / { return 200 "$body\n"; } } }
NGX
bg taskset -c 0 nginx -c "$PWD/$out/origin.conf" -p "$PWD/$out"

# --- proxies, CPU 1
vigil_conf() { # vigil_conf PORT: the same configuration for the current and the baseline build
  cat <<CONF
vigil {
  event-loops = 1
  # keepalive-requests as the nginx proxy's keepalive_requests below (HAProxy has no limit): with Vigil's default
  # (1000) every wrk connection reconnected each 1000 requests in Vigil alone (an accept and a session's setup)
  listeners = [{ name = web, listen = "127.0.0.1:$1", mode = http, upstream = origin, access-log = false,
    keepalive-requests = 1000000 }]
  upstreams { origin { servers = ["127.0.0.1:$ORIGIN"], keepalive { idle = $CONNS } } }
}
CONF
}
vigil_conf "${PORT[vigil]}" >"$out/vigil.conf"
JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 & pids+=($!)
if [ -n "$twin" ]; then   # the A/A twin: the same launcher, flags and configuration, its own port
  vigil_conf "${PORT[vigil-b]}" >"$out/vigil-b.conf"
  JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/vigil-b.conf" >"$out/vigil-b.log" 2>&1 &
  twin_pid=$!; pids+=($!)
fi
if [ -n "$BASELINE_JAR" ]; then
  vigil_conf "${PORT[base]}" >"$out/base.conf"
  java_vigil 1 "$BASELINE_JAR" run -c "$out/base.conf" >"$out/base.log" 2>&1 & pids+=($!)
fi

# keepalive = CONNS (and Vigil's idle): nginx closes a connection given back to a full pool at once, so with
# keepalive 32 under wrk -c64 it opened an upstream connection for ~1 request in 5 (strace: 2,633 connects in 13.5k
# requests; 50 with keepalive 64), which measured nginx's churn, not its proxying (36k req/s, 27 us per request)
cat >"$out/nginx-proxy.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$ORIGIN; keepalive $CONNS; keepalive_requests 1000000; }
  server { listen 127.0.0.1:${PORT[nginx]};
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
NGX
bg taskset -c 1 nginx -c "$PWD/$out/nginx-proxy.conf" -p "$PWD/$out"

haproxy_conf() { # haproxy_conf PORT: the same configuration for haproxy and its A/A twin haproxy-b
  cat <<HAP
global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 75s
  timeout server 60s
  timeout http-keep-alive 75s
listen web
  bind 127.0.0.1:$1
  http-reuse safe
  server s 127.0.0.1:$ORIGIN
HAP
}
haproxy_conf "${PORT[haproxy]}" >"$out/haproxy.cfg"
bg taskset -c 1 haproxy -f "$out/haproxy.cfg"
if [ -n "$aa" ]; then
  haproxy_conf "${PORT[haproxy-b]}" >"$out/haproxy-b.cfg"
  bg taskset -c 1 haproxy -f "$out/haproxy-b.cfg"
fi

for p in "${PORT[@]}"; do wait_port "$p"; done
proxy_pids() {
  case $1 in
    vigil) pgrep -f "vigil.jar run -c $out/vigil.conf" ;;
    vigil-b) pgrep -f "vigil.jar run -c $out/vigil-b.conf" ;;
    base) pgrep -f "jar $BASELINE_JAR run -c $out/base.conf" ;;
    nginx) local m; m=$(cat "$out/nginx.pid"); echo "$m"; pgrep -P "$m" ;;
    haproxy) pgrep -f "haproxy -f $out/haproxy.cfg" ;;
    haproxy-b) pgrep -f "haproxy -f $out/haproxy-b.cfg" ;;
  esac
}
upstream_conns() { ss -Htn state established "( dport = :$ORIGIN )" | wc -l; }

results="$out/raw.tsv"
echo -e "round\ttarget\ttest\tvalue" >"$results"
hz=$(getconf CLK_TCK)
for target in "${targets[@]}"; do   # warm-up (JIT for Vigil; the same for all)
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${WARMUP:-20}s" "http://127.0.0.1:${PORT[$target]}/" >/dev/null
  # and at the fixed rate: a loop that idles between requests runs other code (blocking selects) than a saturated
  # one, and without this the JIT compiled it during the first measured fixed-rate run, on the proxy's core
  taskset -c 0 bin/vigil-bench http --url "http://127.0.0.1:${PORT[$target]}/" --rate "$FIXED_RATE" \
    --duration "${WARMUP_FIXED:-5}s" --warmup 1s --connections "$CONNS" --quiet --out "$out/warmup-$target" >/dev/null
  if [ -n "${WARMUP_ROUND:-}" ]; then   # a whole round, unrecorded, and wrk after it
    taskset -c 0 wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:${PORT[$target]}/" >/dev/null
    taskset -c 0 bin/vigil-bench http --url "http://127.0.0.1:${PORT[$target]}/" --rate "$FIXED_RATE" \
      --duration "${DURATION}s" --warmup 1s --connections "$CONNS" --quiet --out "$out/warmup2-$target" >/dev/null
    taskset -c 0 wrk -t1 -c"$CONNS" -d"${WARMUP_AGAIN:-10}s" "http://127.0.0.1:${PORT[$target]}/" >/dev/null
  fi
done
for round in $(seq "$ROUNDS"); do
  for target in "${targets[@]}"; do
    before=$(cpu_ticks "$target")
    taskset -c 0 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:${PORT[$target]}/" \
      >"$out/wrk-$target-$round.txt"
    after=$(cpu_ticks "$target")
    f="$out/wrk-$target-$round.txt"
    errors=$(awk '/Non-2xx|Socket errors/{print}' "$f" | tr '\n' ' ')
    [ -z "$errors" ] || echo "$target round $round: $errors" | tee -a "$out/errors.txt"
    {
      echo -e "$round\t$target\trps\t$(awk '/Requests\/sec/{print int($2)}' "$f")"
      for p in 50 75 90 99; do echo -e "$round\t$target\tp$p\t$(awk -v q="$p%" '$1==q{print $2}' "$f")"; done
      [ "$target" = direct ] || echo -e "$round\t$target\tcpu%\t$(( (after - before) * 100 / hz / DURATION ))"
      [ "$target" = direct ] || python3 -c 'import sys; t, hz, n = map(int, sys.argv[1:4])
print(f"{sys.argv[4]}\t{sys.argv[5]}\tcpu_us_per_req\t{t / hz * 1e6 / max(1, n):.2f}")' \
        "$((after - before))" "$hz" "$(wrk_requests "$f")" "$round" "$target"
    } | tee -a "$results"
    taskset -c 0 bin/vigil-bench http --url "http://127.0.0.1:${PORT[$target]}/" --rate "$FIXED_RATE" \
      --duration "${DURATION}s" --warmup 1s --connections "$CONNS" --quiet --out "$out/rig-$target-$round" \
      >"$out/rig-$target-$round.txt"
    python3 - "$out/rig-$target-$round/summary.json" "$round" "$target" <<'PY' | tee -a "$results"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("p50", "p90", "p99", "p99_9", "max"):
    print(f"{sys.argv[2]}\t{sys.argv[3]}\tfixed_{k}\t{d['latency_us'][k] / 1000:.3f}")
print(f"{sys.argv[2]}\t{sys.argv[3]}\tfixed_errors\t{d['errors']}")
PY
  done
done
echo "origin connections open at the end (all proxies' pools + none from direct): $(upstream_conns)" | tee "$out/pools.txt"

# the twin first, alone: both Vigils write bin/vigil's class-data archive at a clean exit (JDK 17, when none was there
# yet), and two at once could write the same file together
if [ -n "$twin" ]; then kill "$twin_pid" 2>/dev/null || true; wait "$twin_pid" 2>/dev/null || true; fi
python3 benchmarks/summarize.py "$results" http "${targets[@]}" | tee "$out/summary.txt"
echo "raw numbers: $results"
