#!/usr/bin/env bash
# Footprint of the container image as the DaemonSet runs it (issue 15), beside bin/vigil on the host (same JDK) and
# HAProxy (mode tcp, 1 thread), all pinned to CPU 1 with the upstreams on CPU 0:
#   start      ms from launching (podman run, bin/vigil, haproxy) to a byte relayed through the proxy and back
#              (benchmarks/first_echo.py), and from the proxy process's own start (for a container: the JVM,
#              without podman and runc) to that byte; RUNS rounds, targets interleaved, min / median / max
#   rss        VmRSS and RssAnon of the proxy process (the container's JVM, seen from the host): empty 3 s and 12 s
#              after start (the JVM trims its C heap every 10 s), after 10 s of connection churn (vigil-bench tcp
#              --new-connection), after 5 s of bulk (iperf3), holding IDLE_CONNS idle proxied connections
#              (IdleConnections.java hold), and 8 s after they closed
#   cgroup     for the containers, what the kubelet sees: memory.usage_in_bytes and the working set (usage minus
#              inactive file pages), the figure the memory limit and eviction act on
#   benchmarks/image-footprint.sh         RUNS=5 IDLE_CONNS=9500 TARGETS="image image-noaot host haproxy"
# Targets: image = the image as built (jvm.options, AOT cache) under podman + runc with the DaemonSet's container
# settings (--memory 256m, user 65532, read-only root, no capabilities; hostNetwork like overlays/host-network);
# image-b = the same for the archive ARCHIVE_B (another build, for an A/B); image-noaot = the same with JAVA_TOOL_OPTIONS=-XX:AOTMode=off; image-nmt = the image with
# -XX:NativeMemoryTracking=summary and a 1 MiB tmpfs on /tmp so that jcmd can attach from the host: its output at every
# step (GC.heap_info, VM.native_memory summary) goes to OUT/jcmd-image-nmt.txt; host = bin/vigil on VIGIL_JAVA_HOME
# (default Temurin 25, the image's JDK); host-nmt = the same with NMT (OUT/jcmd-host-nmt.txt); haproxy.
# Every step also writes resident and anonymous KiB per mapping (/proc/PID/smaps) to OUT/smaps-TARGET.txt.
# CONFIG=min (default): one event loop, access log off, no admin listener (as benchmarks/footprint.sh);
# CONFIG=daemonset: deploy/kubernetes/base/vigil.conf's settings (2 event loops, admin listener, access log,
# watch-config), its listener and upstream replaced by the three below, shutdown-delay 0 (launches stop faster).
# PROXY_CPUS=1 (default) pins the proxies to CPU 1; PROXY_CPUS= leaves them unpinned, as a pod without a CPU limit.
# PHASES="start memory" (default) runs both; either alone with PHASES=start or PHASES=memory.
# Needs root (podman), target/vigil-image.tar (bin/vigil-image). Output: benchmarks/out/image-footprint-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
IDLE_CONNS=${IDLE_CONNS:-9500}
TARGETS=${TARGETS-"image image-noaot host haproxy"}
CONFIG=${CONFIG:-min}
PHASES=${PHASES:-"start memory"}
PROXY_CPUS=${PROXY_CPUS-1}   # empty: the proxy not pinned (the DaemonSet sets no CPU limit)
java_home=${VIGIL_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
out=${OUT:-benchmarks/out/image-footprint-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
source benchmarks/lib.sh
archive=target/vigil-image.tar
[ -f "$archive" ] || { echo "image-footprint: $archive is missing: run bin/vigil-image" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"   # 2 descriptors per session: 9,500 need ~19,020

# a store of this script's own: a test's or another checkout's podman store is left alone
store=vigil-image-footprint
podman=(podman --root "/var/tmp/$store" --runroot "/run/$store" --tmpdir "/run/$store/libpod" --runtime runc)
cleanup_store() { "${podman[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true; "${podman[@]}" rmi -a -f >/dev/null 2>&1 || true; }
launched=   # the proxy being measured, stopped on any exit
trap '[ -z "$launched" ] || stop "$launched"; cleanup; cleanup_store' EXIT
image=$(tar -xOf "$archive" ./index.json | sed -n 's/.*"org.opencontainers.image.ref.name":"\([^"]*\)".*/\1/p')
if [ -n "${ARCHIVE_B:-}" ]; then   # a second build of the image, for an A/B (target image-b), under its own name
  image_b=localhost/vigil-b:$(basename "$ARCHIVE_B" .tar)
  "${podman[@]}" load --quiet --input "$ARCHIVE_B" >/dev/null
  "${podman[@]}" tag "$(tar -xOf "$ARCHIVE_B" ./index.json |
    sed -n 's/.*"org.opencontainers.image.ref.name":"\([^"]*\)".*/\1/p')" "$image_b"
fi
"${podman[@]}" load --quiet --input "$archive" >/dev/null
sync   # the layers' files just written: their page-cache pages would count as dirty in smaps until written back

ECHO=28790; BULK=28791; SINK=28792
P_ECHO=28890; P_BULK=28891; P_IDLE=28892; ADMIN=28893
bg taskset -c 0 bin/vigil-bench echo --plain --listen "127.0.0.1:$ECHO"
bg taskset -c 0 iperf3 -s -p "$BULK"
bg taskset -c 0 java benchmarks/IdleConnections.java sink "127.0.0.1:$SINK"
wait_port "$ECHO"; wait_port "$BULK"; wait_port "$SINK"

mkdir -p "$out/etc-vigil"
no_log=; [ "$CONFIG" != min ] || no_log=", access-log = false"
listeners="listeners = [
    { name = echo, listen = \"127.0.0.1:$P_ECHO\", upstream = echo, so-keepalive = \"120:30:5\" $no_log }
    { name = bulk, listen = \"127.0.0.1:$P_BULK\", upstream = bulk, so-keepalive = \"120:30:5\" $no_log }
    { name = idle, listen = \"127.0.0.1:$P_IDLE\", upstream = sink, so-keepalive = \"120:30:5\" $no_log }
  ]
  upstreams {
    echo { servers = [\"127.0.0.1:$ECHO\"] }
    bulk { servers = [\"127.0.0.1:$BULK\"] }
    sink { servers = [\"127.0.0.1:$SINK\"], so-keepalive = \"60:10:3\" }
  }"
case $CONFIG in
  min) printf 'vigil {\n  event-loops = 1\n  %s\n}\n' "$listeners" >"$out/etc-vigil/vigil.conf" ;;
  daemonset) printf 'vigil {\n  watch-config = true\n  shutdown-delay = 0s\n  shutdown-timeout = 20s\n  event-loops = 2
  admin { listen = "127.0.0.1:%s" }\n  %s\n}\n' "$ADMIN" "$listeners" >"$out/etc-vigil/vigil.conf" ;;
  *) echo "CONFIG is min or daemonset" >&2; exit 2 ;;
esac
cat >"$out/haproxy.cfg" <<HAP
global
  nbthread 1
  maxconn 9800
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen echo
  bind 127.0.0.1:$P_ECHO
  option clitcpka
  server s 127.0.0.1:$ECHO
listen bulk
  bind 127.0.0.1:$P_BULK
  option clitcpka
  server s 127.0.0.1:$BULK
listen idle
  bind 127.0.0.1:$P_IDLE
  option clitcpka
  server s 127.0.0.1:$SINK
HAP

# the DaemonSet's container settings (deploy/kubernetes/base/daemonset.yaml; PodRun does the same for the tests)
nofile=$(ulimit -Hn); nproc=$(( $(ulimit -Hu) < 32768 ? $(ulimit -Hu) : 32768 ))
container_cmd() { # NAME [podman options...]
  local name=$1 which=$image; shift
  [ "$name" != fp-image-b ] || which=$image_b
  echo "${podman[@]}" run --rm --name "$name" --network host ${PROXY_CPUS:+--cpuset-cpus $PROXY_CPUS} --memory 256m --user 65532:65532 \
    --read-only --read-only-tmpfs=false --cap-drop all --security-opt no-new-privileges \
    --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" --volume "$out/etc-vigil:/etc/vigil:ro" "$@" \
    "$which" run -c /etc/vigil/vigil.conf
}
proxy_cmd() {
  case $1 in
    image|image-b) container_cmd "fp-$1" ;;
    image-noaot) container_cmd "fp-$1" --env JAVA_TOOL_OPTIONS=-XX:AOTMode=off ;;
    image-nmt) container_cmd "fp-$1" --tmpfs /tmp:size=1m,mode=1777 --env JAVA_TOOL_OPTIONS=-XX:NativeMemoryTracking=summary ;;
    host) echo env JAVA_HOME="$java_home" ${PROXY_CPUS:+taskset -c $PROXY_CPUS} bin/vigil run -c "$out/etc-vigil/vigil.conf" ;;
    host-nmt) echo env JAVA_HOME="$java_home" JAVA_OPTS=-XX:NativeMemoryTracking=summary ${PROXY_CPUS:+taskset -c $PROXY_CPUS} bin/vigil run -c \
      "$out/etc-vigil/vigil.conf" ;;
    haproxy) echo ${PROXY_CPUS:+taskset -c $PROXY_CPUS} haproxy -f "$out/haproxy.cfg" ;;
    *) echo "unknown target $1" >&2; exit 2 ;;
  esac
}
# the process whose memory counts: the container's JVM (podman run's pid is podman's), else the launched one
proxy_pid() {
  case $1 in
    image*) "${podman[@]}" inspect --format '{{.State.Pid}}' "fp-$1" ;;
    *) echo "$2" ;;
  esac
}
cgroup_mib() { # usage and working set of the container's memory cgroup (v1 or v2), "- -" outside one
  local dir rel
  rel=$(awk -F: '$2 == "memory" || $2 == "" {print $3; exit}' "/proc/$1/cgroup")
  for dir in "/sys/fs/cgroup/memory$rel" "/sys/fs/cgroup$rel"; do
    if [ -f "$dir/memory.usage_in_bytes" ]; then
      awk -v u="$(cat "$dir/memory.usage_in_bytes")" '$1 == "total_inactive_file" {printf "%.1f %.1f", u / 1048576, (u - $2) / 1048576}' "$dir/memory.stat"
      return
    elif [ -f "$dir/memory.current" ]; then
      awk -v u="$(cat "$dir/memory.current")" '$1 == "inactive_file" {printf "%.1f %.1f", u / 1048576, (u - $2) / 1048576}' "$dir/memory.stat"
      return
    fi
  done
  echo "- -"
}
stop() { kill -TERM "$1" 2>/dev/null || true; for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; kill -9 "$1"; }
snap() { # TARGET LAUNCHED_PID STEP: one line of measurements.tsv (and jcmd output for image-nmt)
  local pid
  pid=$(proxy_pid "$1" "$2")
  printf '%s\t%s\t%s\t%s\n' "$1" "$3" "$(awk '$1 == "VmRSS:" {r = $2} $1 == "RssAnon:" {a = $2}
    END {printf "%.1f\t%.1f", r / 1024, a / 1024}' "/proc/$pid/status")" "$(case $1 in image*) cgroup_mib "$pid" ;; *) echo - - ;; esac | tr ' ' '\t')" |
    tee -a "$out/measurements.tsv"
  # resident and anonymous KiB per mapping (anonymous ones together): where the memory is
  { echo "== $3"; awk '/^[0-9a-f]+-[0-9a-f]+ / {name = ($6 == "" ? "[anonymous]" : $6)} $1 == "Rss:" {rss[name] += $2}
      $1 == "Anonymous:" {anon[name] += $2}
      END {for (n in rss) if (rss[n] >= 256) printf "%8d %8d %s\n", rss[n], anon[n], n}' "/proc/$pid/smaps" | sort -rn
  } >>"$out/smaps-$1.txt"
  case $1 in *-nmt)
    { echo "== $3"; "$java_home/bin/jcmd" "$pid" GC.heap_info; "$java_home/bin/jcmd" "$pid" VM.native_memory summary; } \
      >>"$out/jcmd-$1.txt" 2>&1 || true ;;
  esac
}

echo -e "target\tstep\trss_mib\tanon_mib\tcgroup_usage_mib\tcgroup_working_set_mib" >"$out/measurements.tsv"
# start-up: RUNS rounds, each launching every target once (interleaved: the machine's load changes over minutes)
: >"$out/starts.raw"
for _ in $( [[ " $PHASES " == *" start "* ]] && seq "$RUNS"); do
  for target in $TARGETS; do
    read -r -a cmd <<<"$(proxy_cmd "$target")"
    read -r ms launched echoed < <(python3 benchmarks/first_echo.py "127.0.0.1:$P_ECHO" "${cmd[@]}")
    pid=$(proxy_pid "$target" "$launched")
    # the proxy process's own start (clock ticks since boot) to the relayed byte: without podman, conmon and runc
    # and its CPU time (utime + stime, all threads) by then: what load does not stretch
    read -r own cpu < <(awk -v e="$echoed" -v hz="$(getconf CLK_TCK)" \
      '{printf "%.0f %.0f", (e - $22 / hz) * 1000, ($14 + $15) * 1000 / hz}' "/proc/$pid/stat"; echo)
    echo -e "$target\t$ms\t$own\t$cpu" | tee -a "$out/starts.raw"
    stop "$launched"; launched=
    sleep 0.5
  done
done
python3 - "$out/starts.raw" <<'PY' | tee "$out/start.tsv"
import collections, statistics, sys
launch, own, cpu = (collections.defaultdict(list) for _ in range(3))
for line in open(sys.argv[1]):
    target, a, b, c = line.split()
    launch[target].append(int(a)); own[target].append(int(b)); cpu[target].append(int(c))
fmt = lambda v: "%d / %.0f / %d" % (min(v), statistics.median(v), max(v))
print("target\tlaunch_to_first_relayed_byte_ms(min/median/max)\tprocess_start_to_first_relayed_byte_ms"
      "\tprocess_cpu_ms_by_then\truns")
for t in launch:
    print(f"{t}\t{fmt(launch[t])}\t{fmt(own[t])}\t{fmt(cpu[t])}\t{len(launch[t])}")
PY

# memory: one target at a time, the same steps
for target in $( [[ " $PHASES " == *" memory "* ]] && echo "$TARGETS"); do
  read -r -a cmd <<<"$(proxy_cmd "$target")"
  read -r _ launched _ < <(python3 benchmarks/first_echo.py "127.0.0.1:$P_ECHO" "${cmd[@]}")
  pid=$launched
  sleep 3; snap "$target" "$pid" empty-3s
  sleep 9; snap "$target" "$pid" empty-12s
  timeout 30 taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:$P_ECHO" --new-connection --max --duration 10s \
    --warmup 0s --connections 16 --size 64 --quiet --out "$out/churn-$target" >/dev/null 2>&1 || echo "$target: churn failed" >&2
  snap "$target" "$pid" after-churn
  timeout 20 taskset -c 0 iperf3 -c 127.0.0.1 -p "$P_BULK" -t 5 >"$out/bulk-$target.txt" 2>&1 || echo "$target: bulk failed" >&2
  snap "$target" "$pid" after-bulk
  fifo="$out/hold-$target.out"
  taskset -c 0 java benchmarks/IdleConnections.java hold "127.0.0.1:$P_IDLE" "$IDLE_CONNS" 15 >"$fifo" 2>&1 &
  holder=$!
  for _ in $(seq 900); do grep -q HELD "$fifo" && break; sleep 0.1; done
  if grep -q HELD "$fifo"; then sleep 3; snap "$target" "$pid" "idle-$IDLE_CONNS"; else echo "$target: $(cat "$fifo")" >&2; fi
  wait "$holder" || true
  sleep 8; snap "$target" "$pid" after-idle-closed
  stop "$launched"; launched=
  sleep 2
done
column -t -s $'\t' "$out/start.tsv"; column -t "$out/measurements.tsv"
