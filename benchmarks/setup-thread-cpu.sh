#!/usr/bin/env bash
# Loop-thread user and system CPU per connection (from /proc/PID/task/TID/stat), and the whole process's:
# Vigil with its own socket layer (-Dvigil.sockets=kernel) vs the JDK's (both half-close off) vs nginx stream's
# worker, interleaved rounds, the setup-cost.sh load (new connection, 64 B echo, close; 16 connections; closed loop).
#   VIGIL_JAR=path (default target/vigil.jar; a copy is safe from rebuilds)  ROUNDS=5 RUN=5 (seconds)
#   PROXY_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java (Java 22+: the kernel layer needs it)
set -euo pipefail
cd /work/wt6-sockets
ROUNDS=${ROUNDS:-5}; RUN=${RUN:-5}
out=benchmarks/out/thread-cpu-$(date +%Y%m%d-%H%M%S); mkdir -p $out; out=$PWD/$out
JAR=${VIGIL_JAR:-target/vigil.jar}; JAVA=${PROXY_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:17760 > $out/echo.log 2>&1 & pids+=($!)
declare -A PORT=([kernel]=17761 [jdk]=17762 [nginx]=17763)
for m in kernel jdk; do
  cat > $out/$m.conf <<CONF
vigil {
  event-loops = 1
  listeners = [ { name = echo, listen = "127.0.0.1:${PORT[$m]}", upstream = echo, access-log = false, half-close = off } ]
  upstreams { echo { servers = ["127.0.0.1:17760"] } }
}
CONF
  LC_ALL=C.UTF-8 taskset -c 1 "$JAVA" -Dvigil.sockets=$m \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
    -jar "$JAR" run -c $out/$m.conf > $out/$m.log 2>&1 & pids+=($!)
  eval "pid_$m=$!"
done
cat > $out/nginx.conf <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $out/nginx.pid; error_log $out/nginx.err;
events { worker_connections 4096; }
stream { server { listen 127.0.0.1:${PORT[nginx]}; proxy_pass 127.0.0.1:17760; } }
NGX
taskset -c 1 nginx -c $out/nginx.conf -p $out > /dev/null 2>&1 & pids+=($!)
sleep 4
tid_of() { # pid: the vigil-loop-0 thread, or the nginx worker
  if [ "$1" = nginx ]; then pgrep -P "$(cat $out/nginx.pid)" | head -1; return; fi
  local p; eval "p=\$pid_$1"
  for t in /proc/$p/task/*; do [ "$(cat $t/comm)" = vigil-loop-0 ] && { basename $t; return; }; done
}
ticks() { # target -> "utime stime" of its loop thread / worker
  local t; t=$(tid_of $1)
  if [ "$1" = nginx ]; then awk '{print $14, $15}' /proc/$t/stat; else
    local p; eval "p=\$pid_$1"; awk '{print $14, $15}' /proc/$p/task/$t/stat; fi
}
proc_ticks() { # target -> utime+stime of the whole process (nginx: master + worker)
  if [ "$1" = nginx ]; then local m; m=$(cat $out/nginx.pid); cat /proc/$m/stat /proc/$(pgrep -P $m | head -1)/stat | awk '{t += $14 + $15} END {print t}'; else
    local p; eval "p=\$pid_$1"; awk '{print $14 + $15}' /proc/$p/stat; fi
}
run() { taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:${PORT[$1]}" --new-connection --max --duration "$2s" \
    --warmup 0s --connections 16 --size 64 --quiet --out "$3" > "$3.txt"; }
for m in kernel jdk nginx; do run $m 8 $out/warm-$m; done
hz=$(getconf CLK_TCK)
echo -e "round\ttarget\tconns\tuser_us_per_conn\tsys_us_per_conn\tprocess_us_per_conn\tloadavg" | tee $out/raw.tsv
for r in $(seq $ROUNDS); do
  for m in kernel jdk nginx; do
    read u0 s0 < <(ticks $m); p0=$(proc_ticks $m); run $m $RUN $out/run-$m-$r; read u1 s1 < <(ticks $m); p1=$(proc_ticks $m)
    n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' $out/run-$m-$r/summary.json)
    python3 -c "import sys; n=$n; hz=$hz; print(f'$r\t$m\t{n}\t{($u1-$u0)/hz*1e6/n:.1f}\t{($s1-$s0)/hz*1e6/n:.1f}\t{($p1-$p0)/hz*1e6/n:.1f}\t' + open('/proc/loadavg').read().split()[0])" | tee -a $out/raw.tsv
  done
done
