#!/usr/bin/env bash
# Connection-setup cost alone (run-core.sh's "connection setup" scenario): Vigil (1 event loop) and nginx stream
# (1 worker) pinned to CPU 1 in front of the same echo upstream on CPU 0; bin/vigil-bench tcp --new-connection --max
# (connect, 64 B request, response, close; 16 connections) from CPU 0. Reports each proxy's CPU time (utime+stime
# from /proc) per connection, targets interleaved within each round.
#   VIGIL_JAR=path/vigil.jar    the build to measure (default target/vigil.jar; a copy is safe from rebuilds)
#   BEFORE_JAR=path/vigil.jar   also run that build of Vigil (target "before") side by side
#   KEEPALIVE=120:30:5          client-side keepalive on every proxy (Vigil so-keepalive, nginx so_keepalive=)
#   HALF_CLOSE_OFF=1            also run VIGIL_JAR with half-close = off (target "vigil-nohc"): the first FIN closes
#                               both sides, as nginx (proxy_half_close off) does; "vigil" keeps the default (on)
#   BEFORE_JAVA_OPTS="..."      JVM flags for the "before" target alone (after VIGIL_JAVA_OPTS): e.g. the same jar
#                               with bin/vigil's flags (BEFORE_JAR=VIGIL_JAR) against the JVM's defaults
#   BEFORE_HALF_CLOSE_OFF=1     the "before" target with half-close = off too (compare with vigil-nohc)
#   NGINX_HALF_CLOSE=1          also nginx with proxy_half_close on (target "nginx-hc", same worker, its own port):
#                               passes each FIN on as Vigil's default does, to compare with "vigil"
#   STRACE=1                    then one run per proxy under `strace -c -f`: syscalls per connection
#   PROXY_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java   the JVM of both Vigil builds (default: java on the PATH;
#                               Java 22+ accepts with accept4, issue 14)
#   ROUNDS=3 SECONDS_PER_RUN=5 benchmarks/setup-cost.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
RUN=${SECONDS_PER_RUN:-5}
out="benchmarks/out/setup-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n 20000
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
source benchmarks/lib.sh
bin/vigil --version >/dev/null   # builds the jar if needed

ECHO=17050
declare -A PORT=([vigil]=17150 [before]=17350 [nginx]=17250 [vigil-nohc]=17450 [nginx-hc]=17550)
declare -A JAR=([vigil]=${VIGIL_JAR:-target/vigil.jar} [before]=${BEFORE_JAR:-})
declare -A EXTRA=([vigil-nohc]=", half-close = off")
[ "${BEFORE_HALF_CLOSE_OFF:-0}" = 1 ] && EXTRA[before]=", half-close = off"
targets=(vigil)
[ -n "${BEFORE_JAR:-}" ] && targets+=(before)
[ "${HALF_CLOSE_OFF:-0}" = 1 ] && { targets+=(vigil-nohc); JAR[vigil-nohc]=${JAR[vigil]}; }
targets+=(nginx)
[ "${NGINX_HALF_CLOSE:-0}" = 1 ] && targets+=(nginx-hc)
ka_vigil=${KEEPALIVE:+, so-keepalive = \"$KEEPALIVE\"}
ka_nginx=${KEEPALIVE:+ so_keepalive=$KEEPALIVE}

bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:$ECHO
for t in vigil before vigil-nohc; do
  [ -n "${JAR[$t]:-}" ] || continue
  opts="$ka_vigil${EXTRA[$t]:-}"
  jopts=${VIGIL_JAVA_OPTS:-}; [ "$t" = before ] && jopts="$jopts ${BEFORE_JAVA_OPTS:-}"
  cat >"$out/$t.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [ { name = echo, listen = "127.0.0.1:${PORT[$t]}", upstream = echo, access-log = false $opts } ]
  upstreams { echo { servers = ["127.0.0.1:$ECHO"] } }
}
CONF
  LC_ALL=C.UTF-8 taskset -c 1 "${PROXY_JAVA:-java}" $jopts --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar "${JAR[$t]}" run -c "$out/$t.conf" >"$out/$t.log" 2>&1 &
  pids+=($!)
done
cat >"$out/nginx-stream.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err;
events { worker_connections 4096; }
stream {
  server { listen 127.0.0.1:${PORT[nginx]}$ka_nginx; proxy_pass 127.0.0.1:$ECHO; }
  server { listen 127.0.0.1:${PORT[nginx-hc]}$ka_nginx; proxy_pass 127.0.0.1:$ECHO; proxy_half_close on; }
}
NGX
bg taskset -c 1 nginx -c "$PWD/$out/nginx-stream.conf" -p "$PWD/$out"
for t in "${targets[@]}"; do wait_port "${PORT[$t]}"; done

proxy_pids() {
  case $1 in
    vigil|before|vigil-nohc) pgrep -f "run -c $out/$1.conf" ;;
    nginx|nginx-hc) local m; m=$(cat "$out/nginx.pid"); echo "$m"; pgrep -P "$m" ;;
  esac
}
hz=$(getconf CLK_TCK)
setup() { # target seconds dir: one closed-loop run of new connections
  taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:${PORT[$1]}" --new-connection --max --duration "$2s" \
    --warmup 0s --connections 16 --size 64 --quiet --out "$3" >"$3.txt"
}
# JIT warm-up, not recorded, twice: the end of the first run closes 16 connections mid-exchange, which takes branches
# (Flow.neverRead in Relay.run, BufferPool.acquire after a trim) never taken before; their recompilation then fell in
# round 1 (59 and 20 perf samples per 1000 connections, RESULTS "Connection setup: where a connection's CPU goes")
for pass in 1 2; do for t in "${targets[@]}"; do setup "$t" 8 "$out/warm-$pass-$t"; done; done
results="$out/raw.tsv"
echo -e "round\ttarget\tconnections\tcpu_ticks\tcpu_us_per_conn\tconn_per_s" | tee "$results"
for round in $(seq "$ROUNDS"); do
  for target in "${targets[@]}"; do
    before=$(cpu_ticks "$target")
    setup "$target" "$RUN" "$out/run-$target-$round"
    after=$(cpu_ticks "$target")
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); t=int(sys.argv[2]); hz=int(sys.argv[3]); n=max(1, s["requests"])
r=s["achieved_rate"]; print(f"{sys.argv[4]}\t{sys.argv[5]}\t{n}\t{t}\t{t / hz * 1e6 / n:.1f}\t{r:.0f}")' \
      "$out/run-$target-$round/summary.json" "$((after - before))" "$hz" "$round" "$target" | tee -a "$results"
  done
done
if [ "${STRACE:-0}" = 1 ]; then
  for target in "${targets[@]}"; do
    spids=()
    for p in $(proxy_pids "$target"); do strace -c -f -p "$p" -o "$out/strace-$target-$p.txt" & spids+=($!); done
    sleep 2
    setup "$target" 3 "$out/strace-run-$target"
    kill -INT "${spids[@]}"; wait "${spids[@]}" 2>/dev/null || true
    n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$out/strace-run-$target/summary.json")
    echo "== $target: $n connections, syscalls per connection (strace -c -f, >= 0.05 shown):" | tee -a "$out/strace.txt"
    cat "$out"/strace-$target-*.txt | awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
        c[$NF] += $4 }
      END { for (s in c) { t += c[s]; if (c[s] / n >= 0.05) printf "  %-18s %6.2f\n", s, c[s] / n }
            printf "  %-18s %6.2f\n", "ALL", t / n }' | sort -k2 -nr | tee -a "$out/strace.txt"
  done
fi
echo "raw: $results"
