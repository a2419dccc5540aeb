#!/usr/bin/env bash
# Syscalls per request (issue 15): strace -c -f on each proxy while a bounded client (benchmarks/fixed_requests.py)
# makes exactly REQUESTS keep-alive HTTP requests to an nginx origin through it, after WARMUP unstraced requests.
# Proxies on CPU 1 with one loop / worker / thread: Vigil mode tcp and mode http, nginx stream and http, HAProxy
# mode tcp and mode http. Client and origin on CPU 0.
#   benchmarks/syscalls.sh                       REQUESTS=20000 WARMUP=20000 CONNS="1 16"
#   VIGIL_JAR=/tmp/old.jar benchmarks/syscalls.sh   another build of Vigil (default target/vigil.jar)
#   TARGETS="vigil-tcp vigil-http"                only these
#   VIGIL_ROOT_KEYS="idle-strategy = spin"        extra root keys for Vigil (here: count what the spin polls cost)
# Output: benchmarks/out/syscalls-<timestamp>/ with each strace summary and summary.md (calls per request).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-20000}
WARMUP=${WARMUP:-20000}
CONNS=${CONNS:-"1 16"}
TARGETS=${TARGETS:-"vigil-tcp vigil-http nginx-stream nginx-http haproxy-tcp haproxy-http"}
VIGIL_JAR=${VIGIL_JAR:-target/vigil.jar}
out=${OUT:-benchmarks/out/syscalls-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
source benchmarks/lib.sh
install_missing strace:strace nginx:nginx-light haproxy:haproxy
[ -f "$VIGIL_JAR" ] || bin/vigil --version >/dev/null

ORIGIN=18481
declare -A PORT=([vigil-tcp]=18581 [vigil-http]=18582 [nginx-stream]=18681 [nginx-http]=18682
  [haproxy-tcp]=18781 [haproxy-http]=18782)
body=$(printf 'x%.0s' $(seq 99))
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/origin.pid; error_log $PWD/$out/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:$ORIGIN; location / { return 200 "$body\n"; } } }
NGX
bg taskset -c 0 nginx -c "$PWD/$out/origin.conf" -p "$PWD/$out"

cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  ${VIGIL_ROOT_KEYS:-}
  listeners = [
    { name = tcp, listen = "127.0.0.1:${PORT[vigil-tcp]}", mode = tcp, upstream = origin, access-log = false }
    { name = web, listen = "127.0.0.1:${PORT[vigil-http]}", mode = http, upstream = origin, access-log = false,
      keepalive-requests = 1000000 }
  ]
  upstreams { origin { servers = ["127.0.0.1:$ORIGIN"], keepalive { idle = 32 } } }
}
CONF
# shellcheck disable=SC2086
LC_ALL=C.UTF-8 taskset -c 1 java ${VIGIL_JAVA_OPTS:-} --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar "$VIGIL_JAR" run -c "$out/vigil.conf" \
  >"$out/vigil.log" 2>&1 & pids+=($!)
vigil_pid=$!

cat >"$out/nginx.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err;
events { worker_connections 4096; }
stream { server { listen 127.0.0.1:${PORT[nginx-stream]}; proxy_pass 127.0.0.1:$ORIGIN; } }
http {
  access_log off; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$ORIGIN; keepalive 32; }
  server { listen 127.0.0.1:${PORT[nginx-http]};
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
NGX
bg taskset -c 1 nginx -c "$PWD/$out/nginx.conf" -p "$PWD/$out"

cat >"$out/haproxy.cfg" <<HAP
global
  nbthread 1
defaults
  timeout connect 5s
  timeout client 75s
  timeout server 60s
  timeout http-keep-alive 75s
listen tcp
  mode tcp
  bind 127.0.0.1:${PORT[haproxy-tcp]}
  server s 127.0.0.1:$ORIGIN
listen web
  mode http
  bind 127.0.0.1:${PORT[haproxy-http]}
  http-reuse safe
  server s 127.0.0.1:$ORIGIN
HAP
bg taskset -c 1 haproxy -f "$out/haproxy.cfg"
for p in "${PORT[@]}" "$ORIGIN"; do wait_port "$p"; done

# every thread of the proxy's serving process (the JVM's loop is one of ~20 threads; nginx: its worker)
trace_args() {
  local pid
  case $1 in
    vigil-*) pid=$vigil_pid ;;
    nginx-*) pid=$(pgrep -P "$(cat "$out/nginx.pid")") ;;
    haproxy-*) pid=$(pgrep -f "haproxy -f $out/haproxy.cfg" | head -1) ;;
  esac
  for t in /proc/"$pid"/task/*; do printf -- '-p %s ' "${t##*/}"; done
}

for conns in $CONNS; do
  for target in $TARGETS; do
    taskset -c 0 python3 benchmarks/fixed_requests.py "127.0.0.1:${PORT[$target]}" "$WARMUP" "$conns" >/dev/null
    # shellcheck disable=SC2046
    strace -c -f -o "$out/$target-c$conns.strace" $(trace_args "$target") 2>/dev/null & tracer=$!
    sleep 1   # attached
    taskset -c 0 python3 benchmarks/fixed_requests.py "127.0.0.1:${PORT[$target]}" "$REQUESTS" "$conns" \
      >"$out/$target-c$conns.client"
    kill -INT "$tracer"; wait "$tracer" || true
    echo "$target c=$conns: $(cat "$out/$target-c$conns.client")" >&2
  done
done

python3 - "$out" "$REQUESTS" "$CONNS" "$TARGETS" >"$out/summary.md" <<'PY'
import collections, sys
out, requests, conns_list, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split()
for conns in conns_list:
    table = {}
    for t in targets:
        calls = collections.Counter()
        for line in open(f"{out}/{t}-c{conns}.strace"):
            f = line.split()
            if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
                calls[f[-1]] += int(f[3])
        table[t] = calls
    names = sorted({n for c in table.values() for n in c}, key=lambda n: -max(c[n] for c in table.values()))
    print(f"\n{requests} requests over {conns} connection(s): syscalls per request\n")
    print("| syscall | " + " | ".join(targets) + " |")
    print("|---|" + "---|" * len(targets))
    for n in names:
        if max(c[n] for c in table.values()) / requests >= 0.01:
            print(f"| {n} | " + " | ".join(f"{table[t][n] / requests:.2f}" for t in targets) + " |")
    print("| **total** | " + " | ".join(f"**{sum(table[t].values()) / requests:.2f}**" for t in targets) + " |")
PY
cat "$out/summary.md"
