# Shared by the side-by-side scripts (sourced, not run). The caller sets `out` (its output directory) and
# defines proxy_pids TARGET (the pids whose CPU counts for a proxy) before using cpu_ticks.

# install_missing "cmd:package" ...: apt-get install the packages whose command (or file, when it starts with /)
# is absent
install_missing() {
  local need=() pair check package
  for pair in "$@"; do
    check=${pair%%:*}; package=${pair#*:}
    if [ "${check:0:1}" = / ]; then [ -e "$check" ] || need+=("$package")
    else command -v "$check" >/dev/null || need+=("$package"); fi
  done
  if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# background processes started with bg are stopped (by PID) when the script exits
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
bg() { "$@" >>"$out/processes.log" 2>&1 & pids+=($!); }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

# utime + stime of a proxy's processes, in clock ticks
cpu_ticks() { local t=0; for p in $(proxy_pids "$1"); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
# the same, split: "USER SYS" (where a change in CPU per request lands: the proxy's code or the kernel under it)
cpu_ticks_split() {
  local u=0 s=0 a b
  for p in $(proxy_pids "$1"); do read -r a b < <(awk '{print $14, $15}' "/proc/$p/stat"); u=$((u + a)); s=$((s + b)); done
  echo "$u $s"
}
# connections the kernel still remembers: sockets in TIME_WAIT (60 s) and netfilter conntrack entries (when loaded)
kernel_conn_state() { echo "$(ss -tan state time-wait | tail -n +2 | wc -l) $(cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0)"; }

# java_vigil CPU JAR ARGS...: run a Vigil jar pinned to CPU with the JVM's own defaults plus VIGIL_JAVA_OPTS - NOT
# bin/vigil's defaults (Serial GC, small heap, ...): for a fair before/after, give both the same flags through
# VIGIL_JAVA_OPTS (RESULTS.md, "HTTP mode before/after tonight's work"). Call it in the background (it execs): BASELINE_JAR, an older build (e.g. from
# `git worktree add /tmp/base COMMIT`), runs through this beside the current one. BASELINE_JAVA=/path/bin/java runs
# it on another JDK (e.g. the same jar on 17 and 25, side by side); BASELINE_JAVA_OPTS adds flags for it alone (e.g. the
# same jar with and without a JIT flag).
java_vigil() {
  local cpu=$1 jar=$2; shift 2
  # shellcheck disable=SC2086
  LC_ALL=C.UTF-8 exec taskset -c "$cpu" "${BASELINE_JAVA:-java}" ${VIGIL_JAVA_OPTS:-} ${BASELINE_JAVA_OPTS:-} --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar "$jar" "$@"
}

# wrk_requests FILE: the number of requests a wrk run completed
wrk_requests() { awk '/requests in/{print $1}' "$1"; }

# repeat_runs KIND SECONDS_PER_RUN SCRIPT TARGET...: RUNS whole runs of SCRIPT back to back, each with RUNS=1 and its
# own OUT under one directory (fresh proxies and warm-up every time: the run-to-run spread lands in the pool too), then
# one summary over all rounds of all runs. A run whose estimate would end past MAX_MINUTES (default 150) from the start
# is not started; the summary then covers the runs that finished.
repeat_runs() {
  local kind=$1 per=$2 script=$3 top i start=$SECONDS raws=()
  shift 3
  top="benchmarks/out/$kind-runs-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$top"
  echo "RUNS=$RUNS whole runs of ~$(( (per + 59) / 60 )) min each: ~$(( (RUNS * per + 59) / 60 )) min in all" \
    "(MAX_MINUTES=${MAX_MINUTES:-150}: no run starts that would end past it); results in $top"
  for i in $(seq "$RUNS"); do
    if [ $(( SECONDS - start + per )) -gt $(( ${MAX_MINUTES:-150} * 60 )) ]; then
      echo "run $i of $RUNS not started: it would end past MAX_MINUTES=${MAX_MINUTES:-150}" | tee -a "$top/summary.txt"
      break
    fi
    echo "=== run $i of $RUNS, $(date -u +%H:%M:%S) UTC"
    if ! RUNS=1 OUT="$top/run-$i" "$script" 2>&1 | tee "$top/run-$i.log"; then
      echo "run $i failed (log: $top/run-$i.log); summarizing the runs before it" >&2
      break
    fi
    raws+=("$top/run-$i/raw.tsv")
  done
  [ ${#raws[@]} -gt 0 ] || return 1
  echo "=== all runs: $(( (SECONDS - start + 59) / 60 )) min"
  python3 benchmarks/summarize.py "$(IFS=,; echo "${raws[*]}")" "$kind" "$@" | tee -a "$top/summary.txt"
  echo "raw results and logs: $top"
}
