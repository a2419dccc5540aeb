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
