#!/usr/bin/env bash
# The earlier method for issue 11, kept for its allocation profile (JFR with stacks) and to compare with old runs;
# benchmarks/scrape.sh is the measurement of record. Its req/s comparison is biased against "admin": Prometheus
# is started for each "admin" window only, on CPU 0 next to the saturated wrk and origin, so its start-up and
# ingestion slow the load generator in those windows (0.92x req/s in both modes on a quiet machine, while the
# scrape's own cost was ~1 ms of the admin thread a second). Two processes also differ in descriptor layout.
# What metrics and being scraped cost (issue 11): two identical Vigil processes, "plain" without an admin listener
# and "admin" with one, each holding an http-mode and a tcp-mode listener in front of the same nginx origin.
# wrk -t1 -c64 loads one of them at a time, interleaved, 3 rounds (order alternating per round); while "admin"
# is loaded a scraper polls its /metrics once a second: a real Prometheus (Debian's package, scrape_interval 1s,
# started for the window and stopped after it) or, with SCRAPER=curl, a bounded curl loop. Vigil's JVMs are
# pinned to CPU 1 (one event loop); wrk, the origin and the scraper run on CPU 0.
#
# Reported per mode: req/s, p99, Vigil's CPU per request, the admin process's cost against plain, the scrapes
# that happened in each window and the admin thread's CPU per scrape. Then allocation, under the same load: a
# JFR recording per case (jdk.ThreadAllocationStatistics each second, jdk.ObjectAllocationSample with stacks,
# jdk.GarbageCollection) gives the bytes the event loop thread allocated per request and the collections.
# The http listener has keepalive-requests = 100000000: with the default 1000, each client connection is
# replaced every 1000 requests, and accepting a connection allocates (JDK socket objects, its description),
# which would show as a few bytes per request that no request causes.
#   benchmarks/scrape-twins.sh
#   ROUNDS=1 DURATION=5 WARMUP=5 SCRAPER=curl benchmarks/scrape-twins.sh     quicker
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-15}
CONNS=${CONNS:-64}
SCRAPER=${SCRAPER:-prometheus}
out="benchmarks/out/scrape-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n 20000

source benchmarks/lib.sh
install_missing wrk:wrk nginx:nginx-light prometheus:prometheus
bin/vigil --version >/dev/null   # builds the jar if needed

ORIGIN=18490; ADMIN=18699; PROM=18698
declare -A PORT_HTTP=([plain]=18590 [admin]=18690) PORT_TCP=([plain]=18591 [admin]=18691)

body=$(printf 'x%.0s' $(seq 99))
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/origin.pid; error_log $PWD/$out/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:$ORIGIN; location / { return 200 "$body\n"; } } }
NGX
bg taskset -c 0 nginx -c "$PWD/$out/origin.conf" -p "$PWD/$out"

vigil_conf() { # vigil_conf NAME [admin]: the same configuration, with or without the admin listener
  local admin=""
  [ -z "${2:-}" ] || admin="admin { listen = \"127.0.0.1:$ADMIN\" }"
  cat <<CONF
vigil {
  event-loops = 1
  $admin
  listeners = [
    { name = web, listen = "127.0.0.1:${PORT_HTTP[$1]}", mode = http, upstream = origin, access-log = false,
      keepalive-requests = 100000000 }
    { name = tcp, listen = "127.0.0.1:${PORT_TCP[$1]}", upstream = origin-tcp, access-log = false }
  ]
  upstreams {
    origin { servers = ["127.0.0.1:$ORIGIN"], keepalive { idle = 32 } }
    origin-tcp { servers = ["127.0.0.1:$ORIGIN"] }
  }
}
CONF
}
vigil_conf plain >"$out/plain.conf"
vigil_conf admin admin >"$out/admin.conf"
for v in plain admin; do
  JAVA_OPTS="${VIGIL_JAVA_OPTS:-}" taskset -c 1 bin/vigil run -c "$out/$v.conf" >"$out/$v.log" 2>&1 & pids+=($!)
done
for p in $ORIGIN $ADMIN "${PORT_HTTP[@]}" "${PORT_TCP[@]}"; do wait_port "$p"; done
vigil_pid() { pgrep -f "vigil.jar run -c $out/$1.conf"; }
proxy_pids() { vigil_pid "$1"; }
admin_ticks() { # utime + stime of the admin listener's thread
  local t
  for t in /proc/"$(vigil_pid admin)"/task/*; do
    [ "$(cat "$t/comm")" = vigil-admin ] && awk '{print $14+$15}' "$t/stat" && return
  done
  echo 0
}
url() { if [ "$2" = http ]; then echo "http://127.0.0.1:${PORT_HTTP[$1]}/"; else echo "http://127.0.0.1:${PORT_TCP[$1]}/"; fi; }

cat >"$out/prometheus.yml" <<YML
global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: vigil
    static_configs: [{ targets: ['127.0.0.1:$ADMIN'] }]
YML
scraper_pid=
scraper_start() {
  if [ "$SCRAPER" = prometheus ]; then
    rm -rf "$out/tsdb"
    taskset -c 0 prometheus --config.file="$out/prometheus.yml" --storage.tsdb.path="$out/tsdb" \
      --web.listen-address="127.0.0.1:$PROM" >>"$out/prometheus.log" 2>&1 &
    scraper_pid=$!; pids+=("$scraper_pid")
    for _ in $(seq 150); do   # until its first scrape succeeded
      [ "$(prom_query 'up{job="vigil"}')" = 1 ] && return 0
      sleep 0.1
    done
    echo "prometheus never scraped Vigil" >&2; return 1
  else
    (for _ in $(seq $((DURATION * 3))); do
       curl -s -o /dev/null "http://127.0.0.1:$ADMIN/metrics"; echo scrape; sleep 1
     done >"$out/curl-scrapes.txt") &
    scraper_pid=$!; pids+=("$scraper_pid")
  fi
}
scraper_stop() { # prints the scrapes counted in the last window (DURATION s)
  if [ "$SCRAPER" = prometheus ]; then
    prom_query "count_over_time(up{job=\"vigil\"}[${DURATION}s])"
    echo "window $(prom_query "avg_over_time(scrape_duration_seconds{job=\"vigil\"}[${DURATION}s])") s per scrape," \
      "$(prom_query 'scrape_samples_scraped{job="vigil"}') samples" >>"$out/scrape-windows.txt"
  else
    wc -l <"$out/curl-scrapes.txt"
  fi
  kill "$scraper_pid" 2>/dev/null || true
  wait "$scraper_pid" 2>/dev/null || true
}
prom_query() {
  curl -s --max-time 2 "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}

results="$out/raw.tsv"
echo -e "round\ttarget\ttest\tvalue" >"$results"
hz=$(getconf CLK_TCK)
for v in plain admin; do for mode in http tcp; do   # warm-up (JIT), not recorded
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$(url $v $mode)" >/dev/null
done; done

run_case() { # run_case ROUND INSTANCE MODE
  local round=$1 v=$2 mode=$3 f="$out/wrk-$2-$3-$1.txt" before after a0 a1 scrapes
  [ "$v" = plain ] || scraper_start
  before=$(cpu_ticks "$v"); a0=$(admin_ticks)
  echo -e "$round\t$v-$mode\tload1\t$(cut -d' ' -f1 /proc/loadavg)" >>"$results"
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$(url "$v" "$mode")" >"$f"
  after=$(cpu_ticks "$v"); a1=$(admin_ticks)
  {
    echo -e "$round\t$v-$mode\trps\t$(awk '/Requests\/sec/{print int($2)}' "$f")"
    echo -e "$round\t$v-$mode\tp99\t$(awk '$1=="99%"{print $2}' "$f")"
    echo -e "$round\t$v-$mode\tcpu%\t$(( (after - before) * 100 / hz / DURATION ))"
    python3 -c 'import sys; t, hz, n = map(int, sys.argv[1:4])
print(f"{sys.argv[4]}\t{sys.argv[5]}\tcpu_us_per_req\t{t / hz * 1e6 / max(1, n):.2f}")' \
      "$((after - before))" "$hz" "$(wrk_requests "$f")" "$round" "$v-$mode"
    if [ "$v" = admin ]; then
      scrapes=$(scraper_stop)
      echo -e "$round\t$v-$mode\tscrapes\t${scrapes:-0}"
      python3 -c 'import sys; t, hz, n = map(float, sys.argv[1:4])
print(f"{sys.argv[4]}\t{sys.argv[5]}\tadmin_cpu_ms_per_scrape\t{t / hz * 1e3 / max(1, n):.2f}")' \
        "$((a1 - a0))" "$hz" "${scrapes:-0}" "$round" "$v-$mode"
    fi
  } | tee -a "$results"
  grep -h 'Non-2xx\|Socket errors' "$f" | sed "s/^/$v-$mode round $round: /" | tee -a "$out/errors.txt" || true
}
for round in $(seq "$ROUNDS"); do
  order=(plain admin); [ $((round % 2)) = 1 ] || order=(admin plain)
  for mode in http tcp; do for v in "${order[@]}"; do run_case "$round" "$v" "$mode"; done; done
done

# promtool on a scrape taken under load
taskset -c 0 wrk -t1 -c"$CONNS" -d5s "$(url admin http)" >/dev/null &
sleep 2
curl -s "http://127.0.0.1:$ADMIN/metrics" >"$out/metrics-under-load.txt"
wait $!
promtool check metrics <"$out/metrics-under-load.txt" >"$out/promtool.txt" 2>&1 &&
  echo "promtool check metrics on a scrape under load: ok ($(grep -c '^vigil_' "$out/metrics-under-load.txt") vigil samples)" |
  tee "$out/promtool-verdict.txt" ||
  { echo "promtool check metrics FAILED: $(cat "$out/promtool.txt")" | tee "$out/promtool-verdict.txt"; }

# allocation: one JFR recording per case, same load, admin scraped as above
cat >"$out/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="vigil-alloc">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
  <event name="jdk.ObjectAllocationSample"><setting name="enabled">true</setting><setting name="throttle">300/s</setting><setting name="stackTrace">true</setting></event>
  <event name="jdk.GarbageCollection"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
JFC
for v in plain admin; do for mode in http tcp; do
  pid=$(vigil_pid "$v"); jfr="$PWD/$out/alloc-$v-$mode.jfr"; f="$out/wrk-alloc-$v-$mode.txt"
  [ "$v" = plain ] || scraper_start
  jcmd "$pid" JFR.start name=alloc settings="$PWD/$out/alloc.jfc" >/dev/null
  sleep 1.5   # so that the first allocation sample precedes the load
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${DURATION}s" "$(url "$v" "$mode")" >"$f"
  sleep 1.5   # and one follows it
  jcmd "$pid" JFR.stop name=alloc filename="$jfr" >/dev/null
  [ "$v" = plain ] || echo "alloc window $v-$mode: $(scraper_stop) scrapes" >>"$out/scrape-windows.txt"
  jfr print --json --events jdk.ThreadAllocationStatistics,jdk.ObjectAllocationSample,jdk.GarbageCollection "$jfr" \
    >"$out/alloc-$v-$mode.json"
  python3 - "$v-$mode" "$(wrk_requests "$f")" "$out" "$DURATION" <<'PY' | tee -a "$results"
import collections, json, sys
case, requests, out, duration = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
events = json.load(open(f"{out}/alloc-{case}.json"))["recording"]["events"]
def thread(e):
    t = e["values"].get("thread") or e["values"].get("eventThread") or {}
    return t.get("javaName") or t.get("osName") or "?"
allocated = collections.defaultdict(list)   # thread -> [(time, bytes)]
samples = collections.Counter()
weights = collections.Counter()
frames = collections.Counter()
gcs = 0
for e in events:
    kind, v = e["type"], e["values"]
    if kind == "jdk.ThreadAllocationStatistics":
        allocated[thread(e)].append((v["startTime"], v["allocated"]))
    elif kind == "jdk.ObjectAllocationSample":
        samples[thread(e)] += 1
        weights[thread(e)] += v["weight"]
        if thread(e).startswith("vigil-loop"):
            top = [f"{f['method']['type']['name']}.{f['method']['name']}" for f in (v.get("stackTrace") or {}).get("frames", [])[:4]]
            frames[" < ".join(top)] += 1
    elif kind == "jdk.GarbageCollection":
        gcs += 1
loop = sorted(allocated.get("vigil-loop-0", []))
delta = loop[-1][1] - loop[0][1] if len(loop) > 1 else 0
print(f"0\t{case}\tloop_bytes_per_req\t{delta / max(1, requests):.4f}")
print(f"0\t{case}\tloop_bytes_total\t{delta}")
# steady state: the per-second samples from 2 s into the load to 1 s before its end (no connection set-up),
# against the requests of that many seconds at the run's mean rate
inner = loop[3:-3]
if len(inner) > 1:
    seconds = len(inner) - 1
    print(f"0\t{case}\tloop_bytes_per_req_steady\t{(inner[-1][1] - inner[0][1]) / max(1, requests * seconds / duration):.4f}")
print(f"0\t{case}\tloop_alloc_samples\t{samples.get('vigil-loop-0', 0)}")
print(f"0\t{case}\tgc_count\t{gcs}")
admin = sorted(allocated.get("vigil-admin", []))
if len(admin) > 1:
    print(f"0\t{case}\tadmin_thread_bytes\t{admin[-1][1] - admin[0][1]}")
with open(f"{out}/alloc-threads-{case}.txt", "w") as out:
    for t, s in sorted(allocated.items()):
        s.sort()
        out.write(f"{t}\tallocated {s[-1][1] - s[0][1]} B over the recording\tsamples {samples.get(t, 0)}\n")
    for f, n in frames.most_common(10):
        out.write(f"loop sample stack ({n}): {f}\n")
PY
done; done

python3 - "$results" <<'PY' | tee "$out/summary.txt"
import csv, statistics, sys
vals = {}
for r in csv.DictReader(open(sys.argv[1]), delimiter="\t"):
    v = r["value"].strip()
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit) and v[:-len(unit)].replace(".", "").isdigit():
            v = float(v[:-len(unit)]) * scale
            break
    vals.setdefault((r["target"], r["test"]), []).append(float(v) if v != "" else 0.0)
med = {k: statistics.median(v) for k, v in vals.items()}
def m(case, test, fmt="{:.2f}"):
    return fmt.format(med[(case, test)]) if (case, test) in med else "-"
print("| mode | metric | plain (no admin) | admin, scraped 1/s | admin/plain |")
print("|---|---|---|---|---|")
for mode in ("http", "tcp"):
    for test, label in (("rps", "wrk req/s"), ("p99", "wrk p99 ms"), ("cpu%", "Vigil CPU % of its core"),
                        ("cpu_us_per_req", "Vigil CPU us per request"),
                        ("scrapes", "scrapes in the load window"),
                        ("admin_cpu_ms_per_scrape", "admin thread CPU ms per scrape"),
                        ("loop_bytes_per_req", "loop thread bytes allocated per request (JFR)"),
                        ("loop_bytes_per_req_steady", "the same, steady state (no connection set-up)"),
                        ("loop_alloc_samples", "loop thread allocation samples (JFR)"),
                        ("gc_count", "GCs during the JFR window"),
                        ("admin_thread_bytes", "admin thread bytes allocated in the JFR window")):
        p, a = med.get((f"plain-{mode}", test)), med.get((f"admin-{mode}", test))
        ratio = "{:.3f}".format(a / p) if p and a is not None else "-"
        print(f"| {mode} | {label} | {m('plain-' + mode, test)} | {m('admin-' + mode, test)} | {ratio} |")
print()
for mode in ("http", "tcp"):
    for v in ("plain", "admin"):
        r = vals.get((f"{v}-{mode}", "rps"), [])
        l = vals.get((f"{v}-{mode}", "load1"), [])
        if r:
            print(f"{v}-{mode}: req/s per round {', '.join(str(int(x)) for x in r)}; load average at start "
                  f"{', '.join(str(x) for x in l)}")
PY
echo "raw numbers: $results"
