#!/usr/bin/env bash
# What a /metrics scrape costs the process, in counts that load does not change (issue 11): two idle bin/vigil
# processes (its defaults: Serial GC, -Xms8m), each with an admin listener, no traffic.
#  1. "scraped": 50 warm-up scrapes, then SCRAPES back-to-back curl scrapes under JFR
#     (jdk.ThreadAllocationStatistics, jdk.GarbageCollection): the admin thread's bytes per scrape, the young GCs
#     in that window, and the admin thread's CPU per scrape (/proc, clock ticks).
#  2. both for SECONDS: "scraped" polled once a second, "quiet" never; young GCs each logged (-Xlog:gc).
#   benchmarks/scrape-alloc.sh
#   SCRAPES=100 SECONDS_SCRAPED=20 benchmarks/scrape-alloc.sh     quicker
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SCRAPES=${SCRAPES:-300}
SECONDS_SCRAPED=${SECONDS_SCRAPED:-60}
out="benchmarks/out/scrape-alloc-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
source benchmarks/lib.sh
bin/vigil --version >/dev/null   # builds the jar if needed

declare -A ADMIN=([quiet]=18801 [scraped]=18802)
for v in quiet scraped; do
  cat >"$out/$v.conf" <<CONF
vigil { event-loops = 1, admin { listen = "127.0.0.1:${ADMIN[$v]}" }, listeners = [
  { name = web, listen = "127.0.0.1:0", mode = http, upstream = o },
  { name = tcp, listen = "127.0.0.1:0", upstream = o } ],
  upstreams { o { servers = ["127.0.0.1:18899"] }, p { servers = ["127.0.0.1:18898"] } } }
CONF
  JAVA_OPTS="-Xlog:gc:file=$PWD/$out/$v.gc" VIGIL_CDS=off bin/vigil run -c "$out/$v.conf" >"$out/$v.log" 2>&1 &
  pids+=($!)
done
for v in quiet scraped; do wait_port "${ADMIN[$v]}"; done
pid=${pids[1]}   # bin/vigil execs java: the same pid
url="http://127.0.0.1:${ADMIN[scraped]}/metrics"
admin_ticks() { # utime + stime of the admin listener's thread
  local t
  for t in /proc/"$pid"/task/*; do
    [ "$(cat "$t/comm")" = vigil-admin ] && awk '{print $14+$15}' "$t/stat" && return
  done
  echo 0
}

for _ in $(seq 50); do curl -s -o /dev/null "$url"; done
cat >"$out/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="vigil-scrape-alloc">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
  <event name="jdk.GarbageCollection"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
JFC
jcmd "$pid" JFR.start name=alloc settings="$PWD/$out/alloc.jfc" >/dev/null
sleep 1.5   # so that the first allocation sample precedes the scrapes
t0=$(admin_ticks)
for _ in $(seq "$SCRAPES"); do curl -s -o /dev/null "$url"; done
t1=$(admin_ticks)
sleep 1.5   # and one follows them
jcmd "$pid" JFR.stop name=alloc filename="$PWD/$out/alloc.jfr" >/dev/null
jfr print --json --events jdk.ThreadAllocationStatistics,jdk.GarbageCollection "$out/alloc.jfr" >"$out/alloc.json"
python3 - "$out/alloc.json" "$SCRAPES" "$t0" "$t1" "$(getconf CLK_TCK)" "$(curl -s "$url" | wc -c)" <<'PY' |
import json, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
n, t0, t1, hz, size = map(int, sys.argv[2:7])
admin = sorted((e["values"]["startTime"], e["values"]["allocated"]) for e in events
               if e["type"] == "jdk.ThreadAllocationStatistics"
               and (e["values"].get("thread") or {}).get("javaName") == "vigil-admin")
gcs = sum(1 for e in events if e["type"] == "jdk.GarbageCollection")
print(f"{n} back-to-back scrapes of {size} B: admin thread {(admin[-1][1] - admin[0][1]) / n:.0f} B per scrape, "
      f"{(t1 - t0) * 1000 / hz / n:.2f} ms CPU per scrape; {gcs} young GCs in the window")
PY
  tee "$out/summary.txt"

young() { grep -c 'Pause Young' "$out/$1.gc" || true; }
q0=$(young quiet); s0=$(young scraped)
for _ in $(seq "$SECONDS_SCRAPED"); do curl -s -o /dev/null "$url"; sleep 1; done
echo "young GCs in ${SECONDS_SCRAPED} s: scraped once a second $(($(young scraped) - s0)), never scraped" \
  "$(($(young quiet) - q0))" | tee -a "$out/summary.txt"
