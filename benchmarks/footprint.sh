#!/usr/bin/env bash
# Footprint and start-up (issue 15): for Vigil under several JVM flag sets, nginx stream (1 worker) and HAProxy
# mode tcp (1 thread), all pinned to CPU 1 in front of an echoing sink on CPU 0:
#   start   ms from launching the process to a byte relayed through it and back (benchmarks/first_echo.py),
#           RUNS launches each, min / median / max
#   empty   RSS (all the proxy's processes) 3 s after start, nothing connected
#   idle    RSS while IDLE_CONNS idle proxied connections are held (each moved one byte both ways)
#   anon    the anonymous part of empty and idle RSS (RssAnon): file-backed pages (libjvm, libc, class archives
#           mapped clean) are one copy in the page cache for all pods on a node, so this is one more pod's cost
#   benchmarks/footprint.sh                 RUNS=5 IDLE_CONNS=9500 VARIANTS="bare default g1 parallel"
# Vigil variants: bare = java with no flags (bin/vigil before issue 15), default = bin/vigil's defaults now,
# g1 / parallel = those defaults with another collector, tight = the defaults with heap free ratios 10-20% (not
# 40-70%), noshare = the defaults without the JDK's class-data-sharing archive.
# c1 = the defaults with the C1 compiler only (-XX:TieredStopAtLevel=1); codecache = the defaults with a 32 MiB code
# cache (-XX:ReservedCodeCacheSize=32m: one unsegmented heap); arena = the defaults with MALLOC_ARENA_MAX=2;
# meta = the defaults with -XX:MaxMetaspaceSize=64m -XX:CompressedClassSpaceSize=16m; xss = the defaults with
# -Xss256k; reloc = the defaults with the JDK's class archive mapped at a random address and relocated
# (-XX:ArchiveRelocationMode=1, the JDK's default: bin/vigil's flags before the 0 that keeps its pages clean). VIGIL_JAVA (default: java) picks the
# JDK; EXTRA_FLAGS are added to every Vigil variant.
# Output: benchmarks/out/footprint-<timestamp>/summary.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
IDLE_CONNS=${IDLE_CONNS:-9500}
VARIANTS=${VARIANTS-"bare default g1 parallel"}
PROXIES=${PROXIES-"nginx haproxy"}
java=${VIGIL_JAVA:-java}
out=${OUT:-benchmarks/out/footprint-$(date +%Y%m%d-%H%M%S)}
out=$(realpath -m --relative-to="$PWD" "$out")   # relative: nginx's paths below are "$PWD/$out"
mkdir -p "$out"
source benchmarks/lib.sh
install_missing nginx:nginx-light haproxy:haproxy
[ -f target/vigil.jar ] || bin/vigil --version >/dev/null
ulimit -n "$(ulimit -Hn)"   # Vigil holds 2 descriptors per session: 9,500 need ~19,020

SINK=28490
PORT=28590
bg taskset -c 0 java benchmarks/IdleConnections.java sink "127.0.0.1:$SINK"
wait_port "$SINK"

cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [{ name = tcp, listen = "127.0.0.1:$PORT", upstream = sink, access-log = false,
                 so-keepalive = "120:30:5" }]
  upstreams { sink { servers = ["127.0.0.1:$SINK"] } }
}
CONF
cat >"$out/nginx.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err;
worker_rlimit_nofile 20000;
events { worker_connections 20000; }
stream { server { listen 127.0.0.1:$PORT so_keepalive=120:30:5; proxy_pass 127.0.0.1:$SINK; } }
NGX
cat >"$out/haproxy.cfg" <<HAP
global
  nbthread 1
  maxconn 9800
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen tcp
  bind 127.0.0.1:$PORT
  option clitcpka
  server s 127.0.0.1:$SINK
HAP

# bin/vigil's default JVM flags, read from the script itself so they cannot drift apart
default_flags=$(sed -n '/^default_jvm_flags=(/,/)$/p' bin/vigil | tr '\n' ' ' |
  sed 's/^default_jvm_flags=(\(.*\)) *$/\1/')
vigil_cmd() {
  local flags env=""
  case $1 in
    bare) flags="" ;;
    default) flags=$default_flags ;;
    g1) flags="$default_flags -XX:-UseSerialGC -XX:+UseG1GC" ;;
    parallel) flags="$default_flags -XX:-UseSerialGC -XX:+UseParallelGC" ;;
    tight) flags="$default_flags -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20" ;;
    noshare) flags="$default_flags -Xshare:off" ;;
    c1) flags="$default_flags -XX:TieredStopAtLevel=1" ;;
    codecache) flags="$default_flags -XX:ReservedCodeCacheSize=32m" ;;
    arena) flags=$default_flags; env=MALLOC_ARENA_MAX=2 ;;
    meta) flags="$default_flags -XX:MaxMetaspaceSize=64m -XX:CompressedClassSpaceSize=16m" ;;
    xss) flags="$default_flags -Xss256k" ;;
    reloc) flags="$default_flags -XX:ArchiveRelocationMode=1" ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  echo env LC_ALL=C.UTF-8 $env taskset -c 1 "$java" $flags ${EXTRA_FLAGS:-} \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar target/vigil.jar run -c "$out/vigil.conf"
}
proxy_cmd() {
  case $1 in
    nginx) echo taskset -c 1 nginx -c "$PWD/$out/nginx.conf" -p "$PWD/$out" ;;
    haproxy) echo taskset -c 1 haproxy -f "$out/haproxy.cfg" ;;
    *) vigil_cmd "$1" ;;
  esac
}
rss_kib() { # the process and its children (nginx's worker)
  local t=0 p
  for p in $1 $(pgrep -P "$1" || true); do t=$((t + $(awk '/VmRSS/{print $2}' "/proc/$p/status"))); done
  echo $t
}
anon_kib() { # RssAnon: what one more proxy costs on a node where others map the same files (libjvm, archives)
  local t=0 p
  for p in $1 $(pgrep -P "$1" || true); do t=$((t + $(awk '/RssAnon/{print $2}' "/proc/$p/status"))); done
  echo $t
}
stop() { kill "$1"; for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; kill -9 "$1"; }

echo -e "target\tstart_ms_min\tstart_ms_median\tstart_ms_max\tempty_rss_mib\tidle_rss_mib\tkib_per_conn" \
  "\tempty_anon_mib\tidle_anon_mib" | tr -d ' ' >"$out/summary.tsv"
for target in $VARIANTS $PROXIES; do
  # shellcheck disable=SC2046
  read -r -a cmd <<<"$(proxy_cmd "$target")"
  times=()
  for _ in $(seq "$RUNS"); do
    read -r ms pid _ < <(python3 benchmarks/first_echo.py "127.0.0.1:$PORT" "${cmd[@]}")
    times+=("$ms")
    stop "$pid"
    sleep 0.5
  done
  read -r _ pid _ < <(python3 benchmarks/first_echo.py "127.0.0.1:$PORT" "${cmd[@]}")
  sleep 3
  empty=$(rss_kib "$pid"); empty_anon=$(anon_kib "$pid")
  fifo="$out/hold-$target.out"
  taskset -c 0 java benchmarks/IdleConnections.java hold "127.0.0.1:$PORT" "$IDLE_CONNS" 15 >"$fifo" 2>&1 &
  holder=$!
  for _ in $(seq 900); do grep -q HELD "$fifo" && break; sleep 0.1; done
  if grep -q HELD "$fifo"; then
    sleep 3; idle=$(rss_kib "$pid"); idle_anon=$(anon_kib "$pid")
  else
    idle=0; idle_anon=0; echo "$target: $(cat "$fifo")" >&2
  fi
  wait "$holder" || true
  stop "$pid"
  sleep 2
  python3 - "$target" "$empty" "$idle" "$IDLE_CONNS" "$empty_anon" "$idle_anon" "${times[@]}" <<'PY' |
import statistics, sys
target, empty, idle, conns, empty_anon, idle_anon = sys.argv[1], *(int(a) for a in sys.argv[2:7])
times = sorted(int(t) for t in sys.argv[7:])
print(f"{target}\t{times[0]}\t{statistics.median(times):.0f}\t{times[-1]}\t{empty / 1024:.1f}\t{idle / 1024:.1f}\t"
      f"{(idle - empty) / conns:.2f}\t{empty_anon / 1024:.1f}\t{idle_anon / 1024:.1f}")
PY
    tee -a "$out/summary.tsv"
done
column -t "$out/summary.tsv"
