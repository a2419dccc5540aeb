#!/usr/bin/env bash
# Soak: SESSIONS concurrent proxied TCP sessions through Vigil (tcp mode, so-keepalive on both sides) to a plain
# echo upstream, with churn (sessions closing and replaced continuously) and traffic (every echoed byte checked),
# held for DURATION seconds. Reports Vigil's file descriptors, RSS and live Java heap (after a full GC) when all
# sessions are open (start) and after DURATION (end), a timeline of fds and RSS, and the load generator's
# figures: sessions opened and closed, messages, errors (must be 0) and bytes lost (must be 0).
# Vigil runs on CPU 1 (one event loop); the echo and `vigil-bench soak` run on CPU 0, each its own process with
# `ulimit -n 20000` (9,500 sessions cost Vigil 19,000 descriptors). Loopback only; everything stops by itself.
#   benchmarks/soak.sh                                     9,500 sessions for 10 minutes
#   SESSIONS=2000 DURATION=60 benchmarks/soak.sh           quicker
# Env: SESSIONS (9500) DURATION (600 s) CHURN (50 sessions/s) MESSAGES (1000/s) MAX_MESSAGE (16k)
#      SEED (random) PORT_BASE (17700: echo on it, Vigil on +100)
#      VIGIL_JAVA_OPTS (-Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:MarkSweepDeadRatio=0)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SESSIONS=${SESSIONS:-9500}
DURATION=${DURATION:-600}
CHURN=${CHURN:-50}
MESSAGES=${MESSAGES:-1000}
MAX_MESSAGE=${MAX_MESSAGE:-16k}
SEED=${SEED:-$RANDOM$RANDOM}
PORT_BASE=${PORT_BASE:-17700}
ECHO=$PORT_BASE
PROXY=$((PORT_BASE + 100))
TAIL=30
out="benchmarks/out/soak-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n 20000

source benchmarks/lib.sh
bin/vigil --version >/dev/null   # builds the jar if needed

bg taskset -c 0 bin/vigil-bench echo --plain --listen "127.0.0.1:$ECHO"
cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [
    { name = soak, listen = "127.0.0.1:$PROXY", upstream = echo, so-keepalive = "120:30:5", access-log = false }
  ]
  upstreams {
    echo { servers = ["127.0.0.1:$ECHO"], so-keepalive = "120:30:5" }
  }
}
CONF
# a fixed, pre-touched heap: RSS then moves only with native memory (buffers, sockets, code). MarkSweepDeadRatio=0:
# a full GC compacts every region, so the heap it leaves is exactly the live objects (by default G1 may leave up to
# 5% dead wood as filler int[] arrays in dense regions, which reads as growth)
JAVA_OPTS="${VIGIL_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:MarkSweepDeadRatio=0}" \
  taskset -c 1 bin/vigil run -c "$out/vigil.conf" >"$out/vigil.log" 2>&1 & pids+=($!)
vigil_pid=$!
wait_port "$ECHO"
wait_port "$PROXY"

fds() { find "/proc/$vigil_pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss_kib() { awk '/VmRSS/{print $2}' "/proc/$vigil_pid/status"; }
heap_used_kib() { # live Java heap after a full GC
  jcmd "$vigil_pid" GC.run >/dev/null
  jcmd "$vigil_pid" GC.heap_info | python3 -c 'import re,sys
t=sys.stdin.read(); print(sum(int(u) for u in re.findall(r"(?:generation|heap)\s+total \d+K, used (\d+)K", t)))'
}
sample() { # a row of samples.tsv, and the class histogram (live objects) as histogram-POINT.txt
  echo -e "$1\t$(date +%s)\t$(fds)\t$(rss_kib)\t$(heap_used_kib)" | tee -a "$out/samples.tsv"
  jcmd "$vigil_pid" GC.class_histogram >"$out/histogram-$1.txt"
}
echo -e "point\tepoch_s\tvigil_fds\tvigil_rss_kib\tvigil_live_heap_kib" | tee "$out/samples.tsv"
sample idle

# the load generator runs in the background; this shell samples Vigil at the phases it prints
( ulimit -n 20000; exec taskset -c 0 timeout $((DURATION + TAIL + 420)) bin/vigil-bench soak \
    --target "127.0.0.1:$PROXY" --sessions "$SESSIONS" --duration "${DURATION}s" --tail "${TAIL}s" \
    --churn "$CHURN" --messages "$MESSAGES" --max-message "$MAX_MESSAGE" --seed "$SEED" --out "$out" ) \
  >"$out/soak.log" 2>&1 &
soak_pid=$!
pids+=($soak_pid)

await_line() { # await_line TEXT SECONDS: wait for the generator to print TEXT
  local deadline=$((SECONDS + $2))
  until grep -q "$1" "$out/soak.log"; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$soak_pid" 2>/dev/null; then
      echo "soak: no \"$1\" from the load generator" >&2; tail -5 "$out/soak.log" >&2; return 1
    fi
    sleep 1
  done
}

echo -e "elapsed_s\tvigil_fds\tvigil_rss_kib" >"$out/timeline.tsv"
await_line "soak: steady" 240
sample start
start=$SECONDS
ticks_start=$(awk '{print $14+$15}' "/proc/$vigil_pid/stat")
next=0
while ! grep -q "soak: held" "$out/soak.log"; do
  if [ $((SECONDS - start)) -ge $next ]; then
    echo -e "$((SECONDS - start))\t$(fds)\t$(rss_kib)" >>"$out/timeline.tsv"
    next=$((next + 30))
  fi
  if [ $((SECONDS - start)) -gt $((DURATION + 120)) ] || ! kill -0 "$soak_pid" 2>/dev/null; then
    echo "soak: the load generator never reported the end of the hold" >&2; break
  fi
  sleep 1
done
ticks_end=$(awk '{print $14+$15}' "/proc/$vigil_pid/stat")
held_s=$((SECONDS - start))
sample end   # the generator keeps the same load for TAIL more seconds while this runs
status=0
wait "$soak_pid" || status=$?
sample after-close

echo
echo "Vigil (pid $vigil_pid), $SESSIONS sessions, $DURATION s, churn $CHURN/s, $MESSAGES messages/s:"
(column -t "$out/samples.tsv" 2>/dev/null || cat "$out/samples.tsv")
echo "Vigil CPU over the hold: $(( (ticks_end - ticks_start) * 100 / $(getconf CLK_TCK) / held_s ))% of one core"
echo
echo "timeline (every 30 s of the hold):"
(column -t "$out/timeline.tsv" 2>/dev/null || cat "$out/timeline.tsv")
echo
grep -E "soak: (steady|held|draining)" "$out/soak.log"
sed -n '/^{/,/^}/p' "$out/soak.log"
echo "Vigil log lines with error, exception or warn: $(grep -ciE "error|exception|warn" "$out/vigil.log" || true)"
echo "raw: $out"
exit "$status"
