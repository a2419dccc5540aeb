#!/usr/bin/env bash
# What a 1 s /metrics scrape costs the proxy (issue 11: <= 2 % of req/s, no added allocation per request), inside
# ONE Vigil process with its admin listener on: windows "on" (the scraper polls Vigil's /metrics) and "off" (the
# same scraper, same rate, polls a decoy: nginx serving a copy of that scrape's bytes) alternate, ROUNDS pairs per
# mode in ABBA order, each a fresh `wrk -t1 -c64 -dDURATION`. The scraper runs the whole time and only its target
# moves, so its own CPU (and Prometheus' ingestion) is the same in both windows: what differs is only the work
# Vigil does for a scrape. (The earlier method, `git show 7130505:benchmarks/scrape.sh`, compared two processes
# and started Prometheus for the "admin" windows only, on the load generator's saturated core: its 0.92x was that.)
# Pinning: Vigil on CPU 1 (one event loop; its admin thread shares that core), wrk, nginx, decoy and scraper on
# CPU 0. With 2 cores the scraper cannot have a core of its own, so besides req/s the script reports counts that
# do not depend on the generator: Vigil's CPU per request (the process' /proc ticks; its event loop and admin
# threads' schedstat ns)
# and, from one JFR recording spanning all windows, the loop thread's bytes allocated per request
# (jdk.ThreadAllocationStatistics every 0.5 s, read in the idle gaps around each window) and young GCs per 1M
# requests (jdk.GarbageCollection, and -Xlog:gc in gc.log).
#   benchmarks/scrape.sh                                   curl once a second, 5 pairs x 2 modes x 8 s (~4.5 min)
#   SCRAPER=prometheus benchmarks/scrape.sh                a real Prometheus (scrape_interval 1s, file_sd target;
#                                                          6.5 s between windows for its discovery: ~6.5 min)
#   AA=1 benchmarks/scrape.sh                              A/A: "on" windows scrape the decoy too (the noise floor)
#   ROUNDS=2 DURATION=5 WARMUP=5 MODES=tcp benchmarks/scrape.sh     quick check
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-15}
CONNS=${CONNS:-64}
SCRAPER=${SCRAPER:-curl}
MODES=${MODES:-http tcp}
AA=${AA:-0}
# how long before a window the scraper is moved: curl reads its target before each scrape; Prometheus' discovery
# hands file_sd changes to its scrape manager at most every 5 s
SETTLE=${SETTLE:-$([ "$SCRAPER" = prometheus ] && echo 6.5 || echo 1.5)}
out="benchmarks/out/scrape-ab-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n 20000

source benchmarks/lib.sh
install_missing wrk:wrk nginx:nginx-light prometheus:prometheus
bin/vigil --version >/dev/null   # builds the jar if needed

ORIGIN=18490; DECOY=18497; PROM=18498; ADMIN=18499; PORT_HTTP=18590; PORT_TCP=18591
body=$(printf 'x%.0s' $(seq 99))
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/origin.pid; error_log $PWD/$out/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:$ORIGIN; location / { return 200 "$body\n"; } } }
NGX
bg taskset -c 0 nginx -c "$PWD/$out/origin.conf" -p "$PWD/$out"

# keepalive-requests: with the default 1000 each client connection is replaced every 1000 requests, and its
# set-up allocates (the JDK's socket objects), which would blur the per-request figures
cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  admin { listen = "127.0.0.1:$ADMIN" }
  listeners = [
    { name = web, listen = "127.0.0.1:$PORT_HTTP", mode = http, upstream = origin, access-log = false,
      keepalive-requests = 100000000 }
    { name = tcp, listen = "127.0.0.1:$PORT_TCP", upstream = origin-tcp, access-log = false }
  ]
  upstreams {
    origin { servers = ["127.0.0.1:$ORIGIN"], keepalive { idle = 32 } }
    origin-tcp { servers = ["127.0.0.1:$ORIGIN"] }
  }
}
CONF
cat >"$out/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="vigil-scrape-ab">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">500 ms</setting></event>
  <event name="jdk.GarbageCollection"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
JFC
# bin/vigil's own defaults (Serial GC, -Xms8m: a young GC every few MB allocated, so GC counts show garbage), but
# no class archive: JFR is disabled while one is being dumped
jfr_opts="-XX:StartFlightRecording:name=ab,settings=$PWD/$out/alloc.jfc"
VIGIL_CDS=off JAVA_OPTS="-Xlog:gc:file=$PWD/$out/gc.log:timemillis $jfr_opts ${VIGIL_JAVA_OPTS:-}" \
  taskset -c 1 bin/vigil run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 & pids+=($!)
for p in $ORIGIN $ADMIN $PORT_HTTP $PORT_TCP; do wait_port "$p"; done
vigil=$(pgrep -f "vigil.jar run -c $out/vigil.conf")
tid_of() { # the admin port opens just before its thread starts: poll
  local t
  for _ in $(seq 50); do
    for t in /proc/$vigil/task/*; do [ "$(cat "$t/comm")" = "$1" ] && echo "${t##*/}" && return; done
    sleep 0.1
  done
  echo "no thread $1 in $vigil" >&2; return 1
}
loop_tid=$(tid_of vigil-loop-0); admin_tid=$(tid_of vigil-admin)
ticks() { awk '{print $14+$15}' "/proc/$vigil/stat"; }   # the process' utime + stime, clock ticks
ns_on_cpu() { cut -d' ' -f1 "/proc/$vigil/task/$1/schedstat"; }   # a thread's time on a CPU, ns
url() { if [ "$1" = http ]; then echo "http://127.0.0.1:$PORT_HTTP/"; else echo "http://127.0.0.1:$PORT_TCP/"; fi; }

# the decoy: the same bytes Vigil serves to this scraper (Prometheus asks for OpenMetrics), from nginx on CPU 0
accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,'
accept+='text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
[ "$SCRAPER" = prometheus ] || accept='*/*'
ctype=$(curl -s -H "Accept: $accept" -o "$out/decoy-metrics.txt" -w '%{content_type}' "http://127.0.0.1:$ADMIN/metrics")
cat >"$out/decoy.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/decoy.pid; error_log $PWD/$out/decoy.err;
events { worker_connections 64; }
http { access_log off;
  server { listen 127.0.0.1:$DECOY;
    location = /metrics { default_type "$ctype"; alias $PWD/$out/decoy-metrics.txt; } } }
NGX
bg taskset -c 0 nginx -c "$PWD/$out/decoy.conf" -p "$PWD/$out"
wait_port $DECOY

point_scraper() { # point_scraper on|off: where the scraper's next scrapes go
  local where=127.0.0.1:$DECOY
  [ "$1" = off ] || [ "$AA" = 1 ] || where=127.0.0.1:$ADMIN
  echo "[{\"targets\": [\"$where\"], \"labels\": {\"window\": \"$1\"}}]" >"$out/targets.tmp"
  mv "$out/targets.tmp" "$out/targets.json"   # atomic: Prometheus' file_sd never reads half a file
  echo "http://$where/metrics" >"$out/target.url.tmp"; mv "$out/target.url.tmp" "$out/target.url"
}
point_scraper off
total=$(( (WARMUP + 2) * 2 + (DURATION + 4) * ROUNDS * 2 * 2 + 60 ))   # bounds the curl loop (scrapes = seconds)
if [ "$SCRAPER" = prometheus ]; then
  cat >"$out/prometheus.yml" <<YML
global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1m }
scrape_configs:
  - job_name: vigil
    file_sd_configs: [{ files: ['$PWD/$out/targets.json'] }]
YML
  taskset -c 0 prometheus --config.file="$out/prometheus.yml" --storage.tsdb.path="$out/tsdb" \
    --web.listen-address="127.0.0.1:$PROM" >>"$out/prometheus.log" 2>&1 & pids+=($!)
else
  # one curl a second at the target of the moment; each scrape logged with its time, for the counts per window
  (taskset -cp 0 "$BASHPID" >/dev/null
   for _ in $(seq "$total"); do
     t=$(<"$out/target.url"); curl -s -o /dev/null -H "Accept: $accept" "$t" && echo "$EPOCHREALTIME $t"; sleep 1
   done >"$out/scrapes.log") & pids+=($!)
fi

for mode in $MODES; do   # warm-up (JIT), not recorded, with the scraper on Vigil half of the time
  point_scraper on; taskset -c 0 wrk -t1 -c"$CONNS" -d"$((WARMUP / 2 + 1))s" "$(url "$mode")" >/dev/null
  point_scraper off; taskset -c 0 wrk -t1 -c"$CONNS" -d"$((WARMUP / 2 + 1))s" "$(url "$mode")" >/dev/null
done

raw="$out/windows.tsv"
echo -e "mode\tround\twindow\tstart_ms\tend_ms\trequests\trps\tp99\tproc_ticks\tloop_ns\tadmin_ns\tload1" >"$raw"
window() { # window MODE ROUND on|off
  local f="$out/wrk-$1-$2-$3.txt" p0 l0 a0 t0
  point_scraper "$3"; sleep "$SETTLE"   # the scraper's next scrapes go to the new target; the loop idles meanwhile
  p0=$(ticks); l0=$(ns_on_cpu "$loop_tid"); a0=$(ns_on_cpu "$admin_tid"); t0=$(date +%s%3N)
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$(url "$1")" >"$f"
  local t1=$(date +%s%3N) p=$(( $(ticks) - p0 )) l=$(( $(ns_on_cpu "$loop_tid") - l0 ))
  local a=$(( $(ns_on_cpu "$admin_tid") - a0 ))
  local rps=$(awk '/Requests\/sec/{print $2}' "$f") p99=$(awk '$1=="99%"{print $2}' "$f")
  echo -e "$1\t$2\t$3\t$t0\t$t1\t$(wrk_requests "$f")\t$rps\t$p99\t$p\t$l\t$a\t$(cut -d' ' -f1 /proc/loadavg)" |
    tee -a "$raw"
  grep -h 'Non-2xx\|Socket errors' "$f" | sed "s/^/$1 $2 $3: /" | tee -a "$out/errors.txt" || true
  sleep 1   # an idle gap after the window too, so a JFR sample falls between windows
}
for mode in $MODES; do
  for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then window "$mode" "$round" on; window "$mode" "$round" off
    else window "$mode" "$round" off; window "$mode" "$round" on; fi
  done
done

jcmd "$vigil" JFR.dump name=ab filename="$PWD/$out/ab.jfr" >/dev/null
jfr print --json --events jdk.ThreadAllocationStatistics,jdk.GarbageCollection "$out/ab.jfr" >"$out/ab.json"
if [ "$SCRAPER" = prometheus ]; then   # the scrapes each window saw, from Prometheus itself
  tail -n +2 "$raw" | while IFS=$'\t' read -r mode round win start end _; do
    curl -s "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode "time=$(( end / 1000 ))" \
      --data-urlencode "query=count_over_time(up{instance=\"127.0.0.1:$ADMIN\"}[$(( (end - start) / 1000 ))s])" |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' |
      sed "s/^/$start\t/"
  done >"$out/prometheus-scrapes.tsv"
fi
python3 benchmarks/scrape_ab_summary.py "$out" "$ADMIN" "$(getconf CLK_TCK)" | tee "$out/summary.txt"
echo "raw numbers: $raw"
