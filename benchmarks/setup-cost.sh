#!/usr/bin/env bash
# Connection-setup cost only (the run-core.sh scenario, alone): Vigil (1 event loop) and nginx stream (1 worker)
# pinned to CPU 1 in front of the same echo upstream on CPU 0; bin/vigil-bench tcp --new-connection --max (connect,
# 64 B request, response, close) from CPU 0. Reports the proxy's CPU time (utime+stime from /proc) per connection,
# rounds interleaved. With STRACE=1, one extra run per proxy under `strace -c -f` counts syscalls per connection.
#   benchmarks/setup-cost.sh                       ROUNDS=3 SECONDS_PER_RUN=5
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
declare -A PORT=([vigil]=17150 [nginx]=17250)
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:$ECHO
cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [ { name = echo, listen = "127.0.0.1:${PORT[vigil]}", upstream = echo, access-log = false } ]
  upstreams { echo { servers = ["127.0.0.1:$ECHO"] } }
}
CONF
JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 & pids+=($!)
cat >"$out/nginx-stream.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err;
events { worker_connections 4096; }
stream { server { listen 127.0.0.1:${PORT[nginx]}; proxy_pass 127.0.0.1:$ECHO; } }
NGX
bg taskset -c 1 nginx -c "$PWD/$out/nginx-stream.conf" -p "$PWD/$out"
for p in $ECHO ${PORT[vigil]} ${PORT[nginx]}; do wait_port "$p"; done

proxy_pids() {
  case $1 in
    vigil) pgrep -f "vigil.jar run -c $out/vigil.conf" ;;
    nginx) local m; m=$(cat "$out/nginx.pid"); echo "$m"; pgrep -P "$m" ;;
  esac
}
hz=$(getconf CLK_TCK)
setup() { # target seconds dir: one closed-loop run of new connections
  taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:${PORT[$1]}" --new-connection --max --duration "$2s" \
    --warmup 0s --connections 16 --size 64 --quiet --out "$3" >"$3.txt"
}
setup vigil 10 "$out/warm-vigil"   # JIT warm-up, not recorded
setup nginx 2 "$out/warm-nginx"
results="$out/raw.tsv"
echo -e "round\ttarget\tconnections\tcpu_ticks\tcpu_us_per_conn\trate" | tee "$results"
for round in $(seq "$ROUNDS"); do
  for target in vigil nginx; do
    before=$(cpu_ticks "$target")
    setup "$target" "$RUN" "$out/run-$target-$round"
    after=$(cpu_ticks "$target")
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); t=int(sys.argv[2]); hz=int(sys.argv[3]); n=max(1, s["requests"])
print(f"{sys.argv[4]}\t{sys.argv[5]}\t{n}\t{t}\t{t / hz * 1e6 / n:.1f}\t{s[\"achieved_rate\"]:.0f}")' \
      "$out/run-$target-$round/summary.json" "$((after - before))" "$hz" "$round" "$target" | tee -a "$results"
  done
done
if [ "${STRACE:-0}" = 1 ]; then
  for target in vigil nginx; do
    for p in $(proxy_pids "$target"); do strace -c -f -p "$p" -o "$out/strace-$target-$p.txt" & done
    sleep 1
    setup "$target" 3 "$out/strace-run-$target"
    for p in $(proxy_pids "$target"); do pkill -INT -f "strace -c -f -p $p " || true; done
    sleep 1
    n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$out/strace-run-$target/summary.json")
    echo "== $target: $n connections; syscalls per connection (strace -c -f):"
    cat "$out"/strace-$target-*.txt | awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ {c[$NF]+=$4}
      END {for (s in c) if (c[s] / n >= 0.05) printf "  %-16s %6.2f\n", s, c[s] / n}' | sort -k2 -nr
  done
fi
echo "raw: $results"
