#!/usr/bin/env bash
# Issue 15's L4 round-to-round drop, probed: one Vigil (bin/vigil, pinned to CPU 1) in front of an nginx origin, an
# echo upstream and iperf3 (load and upstreams on CPU 0); warm-up as run-core.sh (wrk 20 s + iperf 2 s), then the
# phases in PHASES, each wrk phase measured: req/s and proxy CPU us per request (/proc utime+stime of the proxy).
#   PHASES="wrk wrk setup wrk iperf wrk" benchmarks/drop-probe.sh
#   wrk     wrk -t1 -c64 DURATION s through Vigil (the measured phase)
#   setup   bin/vigil-bench tcp --new-connection --max 5 s (run-core's connection-setup scenario, ~45k connections)
#   iperf   iperf3 one stream DURATION s
#   dsetup  the same setup scenario straight to the echo upstream, Vigil untouched (kernel TIME_WAIT state only)
#   drain   wait (at most 150 s) until fewer than 2,000 sockets are in TIME_WAIT and 20,000 conntrack entries
#   fixed   bin/vigil-bench tcp --rate 20000 DURATION s (run-core's fixed-rate scenario)
# VIGIL_JAR=path runs that jar through bin/vigil's launcher flags (default: this checkout's). JIT=1 adds
# -XX:+PrintCompilation (vigil.log) and -XX:+LogCompilation (jit.xml: uncommon traps with reason and method).
# PERF_RECORD=1 samples the JVM during each wrk phase (perf record -e cpu-clock: OUT/perf-I.data).
# Prints one line per phase; raw numbers in OUT/phases.tsv. Loopback only; everything stops by itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PHASES=${PHASES:-"wrk wrk setup wrk iperf wrk wrk setup wrk"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-20}
out=${OUT:-"benchmarks/out/drop-$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$out"; out=$(realpath "$out")
ulimit -n 20000
source benchmarks/lib.sh
IPERF=15201; HTTP=18080; ECHO=17000; O=${PORT_OFFSET:-700}

bg taskset -c 0 iperf3 -s -p $((IPERF + O + 1000))
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $out/origin.pid; error_log $out/origin.err;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$((HTTP + O + 1000)); location / { return 200 "ok\n"; } } }
NGX
bg taskset -c 0 nginx -c "$out/origin.conf" -p "$out"
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:$((ECHO + O + 1000))
cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [
    { name = iperf, listen = "127.0.0.1:$((IPERF + O))", upstream = iperf }
    { name = http,  listen = "127.0.0.1:$((HTTP + O))",  upstream = http }
    { name = echo,  listen = "127.0.0.1:$((ECHO + O))",  upstream = echo, access-log = false }
  ]
  upstreams {
    iperf { servers = ["127.0.0.1:$((IPERF + O + 1000))"] }
    http  { servers = ["127.0.0.1:$((HTTP + O + 1000))"] }
    echo  { servers = ["127.0.0.1:$((ECHO + O + 1000))"] }
  }
}
CONF
opts="${VIGIL_JAVA_OPTS:-}"
if [ -n "${JIT:-}" ]; then
  opts="$opts -XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+LogCompilation -XX:LogFile=$out/jit.xml"
fi
if [ -n "${VIGIL_JAR:-}" ]; then   # another jar through bin/vigil's flags: a private copy of the launcher's home
  home="$out/home"; mkdir -p "$home/bin" "$home/target"
  cp bin/vigil "$home/bin/"; cp "$VIGIL_JAR" "$home/target/vigil.jar"
  launcher="$home/bin/vigil"
else
  launcher=bin/vigil
fi
JAVA_OPTS="$opts" VIGIL_CDS=off taskset -c 1 "$launcher" run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 &
vpid=$!; pids+=($vpid)
for p in $IPERF $HTTP $ECHO; do wait_port $((p + O + 1000)); wait_port $((p + O)); done
proxy_pids() { pgrep -f "run -c $out/vigil.conf" || true; }
hz=$(getconf CLK_TCK)
jvm=$(proxy_pids | head -1)

marker() { echo "=== phase $1 $(date +%s.%N)" >>"$out/phases.log"; }
run_wrk() { taskset -c 0 wrk -t1 -c64 -d"$1s" "http://127.0.0.1:$((HTTP + O))/" >"$2"; }
run_iperf() { taskset -c 0 iperf3 -c 127.0.0.1 -p $((IPERF + O)) -t "$1" >/dev/null; }
run_setup() { taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + O))" --new-connection --max --duration 5s \
  --warmup 0s --connections 16 --size 64 --quiet --out "$1" >/dev/null; }
run_dsetup() { taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + O + 1000))" --new-connection --max \
  --duration 5s --warmup 0s --connections 16 --size 64 --quiet --out "$1" >/dev/null; }
conntracks() { cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo -; }
drain_time_wait() { # TIME_WAIT sockets (60 s) and, when netfilter tracks connections, its entries (TIME_WAIT 120 s)
  for _ in $(seq 150); do
    [ "$(timewait)" -lt 2000 ] && { [ "$(conntracks)" = - ] || [ "$(conntracks)" -lt 20000 ]; } && return 0; sleep 1
  done
}
perf_events=raw_syscalls:sys_enter,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_read,syscalls:sys_enter_write,context-switches
run_fixed() { taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$((ECHO + O))" --rate 20000 --duration "${DURATION}s" \
  --warmup 1s --connections 32 --size 64 --quiet --out "$1" >/dev/null; }

marker warmup
run_wrk "$WARMUP" "$out/warmup-wrk.txt"; run_iperf 2
ticks() { local u=0 s=0; for p in $(proxy_pids); do read -r a b < <(awk '{print $14, $15}' "/proc/$p/stat"); u=$((u + a)); s=$((s + b)); done; echo "$u $s"; }
threads() { # utime+stime ticks by thread kind: compiler (C1/C2), GC, the rest (the loop and the JVM's others)
  for t in /proc/"$jvm"/task/*; do printf '%s\t%s\n' "$(cat "$t/comm")" "$(awk '{print $14+$15}' "$t/stat")"; done 2>/dev/null |
    awk -F'\t' '{k = $1 ~ /^C2 / ? "c2" : $1 ~ /^C1 / ? "c1" : $1 ~ /GC|VM Thread/ ? "gc" : "rest"; v[k] += $2}
      END {printf "%d %d %d %d\n", v["c2"], v["c1"], v["gc"], v["rest"]}'
}
timewait() { ss -tan state time-wait | tail -n +2 | wc -l; }
echo -e "i\tphase\trps\tcpu_us_per_req\tuser_us\tsys_us\tjit_lines\ttime_wait/conntrack_before" >"$out/phases.tsv"
i=0; prev=warmup
for phase in $PHASES; do
  i=$((i + 1)); marker "$i-$phase"
  jit0=$(grep -c ' made not entrant\|^ *[0-9]\+ \+[0-9]\+ ' "$out/vigil.log" || true)
  tw="$(timewait)/$(conntracks)"
  read -r u0 s0 < <(ticks)
  read -r c20 c10 gc0 rest0 < <(threads)
  case $phase in
    wrk) perf stat -x, -e "$perf_events" -p "$jvm" -o "$out/perf-$i.csv" -- sleep "$DURATION" & perfpid=$!
         if [ -n "${PERF_RECORD:-}" ]; then   # where the proxy's CPU goes (kernel and user), per window
           perf record -q -e cpu-clock -F 2000 -p "$jvm" -o "$out/perf-$i.data" -- sleep "$DURATION" 2>/dev/null &
           recpid=$!
         fi
         run_wrk "$DURATION" "$out/wrk-$i.txt"; wait $perfpid || true; [ -z "${recpid:-}" ] || wait "$recpid" || true ;;
    dsetup) run_dsetup "$out/dsetup-$i" ;;
    drain) drain_time_wait ;;
    iperf) run_iperf "$DURATION" ;;
    setup) run_setup "$out/setup-$i" ;;
    fixed) run_fixed "$out/fixed-$i" ;;
    *) echo "unknown phase $phase" >&2; exit 1 ;;
  esac
  read -r u1 s1 < <(ticks)
  read -r c21 c11 gc1 rest1 < <(threads)
  jit1=$(grep -c ' made not entrant\|^ *[0-9]\+ \+[0-9]\+ ' "$out/vigil.log" || true)
  if [ "$phase" = wrk ]; then
    n=$(wrk_requests "$out/wrk-$i.txt"); rps=$(awk '/Requests\/sec/{print int($2)}' "$out/wrk-$i.txt")
    us=$(python3 -c "n=max(1, $n); f=1e6 / $hz / n; print(f'{($u1 - $u0 + $s1 - $s0) * f:.2f}\t{($u1 - $u0) * f:.2f}\t{($s1 - $s0) * f:.2f}')")
  else rps=-; us="-\t-\t-"; fi
  if [ "$phase" = wrk ]; then
    per=$(python3 - "$out/perf-$i.csv" "$n" <<'PY'
import sys
n = int(sys.argv[2]); v = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if len(f) > 2 and f[0].replace(".", "").isdigit():
        v[f[2].split(":")[-1]] = int(float(f[0]))
print("\t".join(f"{k}={v.get(k, 0) / max(1, n):.3f}" for k in ("sys_enter", "sys_enter_epoll_wait", "sys_enter_read",
      "sys_enter_write", "context-switches")))
PY
)
  else per=""; fi
  thr="c2_ms=$(((c21 - c20) * 1000 / hz))\tc1_ms=$(((c11 - c10) * 1000 / hz))\tgc_ms=$(((gc1 - gc0) * 1000 / hz))\trest_ms=$(((rest1 - rest0) * 1000 / hz))"
  echo -e "$i\t$phase(after $prev)\t$rps\t$us\t$((jit1 - jit0))\t$tw\t$thr\t$per" | tee -a "$out/phases.tsv"
  prev=$phase
done
ss -s >"$out/ss.txt"
jcmd "$jvm" GC.heap_info >"$out/heap.txt" 2>&1 || true
jcmd "$jvm" Compiler.codecache >"$out/codecache.txt" 2>&1 || true
echo "raw: $out"
