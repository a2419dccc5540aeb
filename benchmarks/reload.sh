#!/usr/bin/env bash
# Reload under load, side by side (issue 12): Vigil (SIGHUP and POST /reload, alternating), nginx (`nginx -s
# reload`, one config with an `http` proxy and a `stream` proxy), HAProxy master-worker (`-W`, SIGUSR2 to the
# master; in 2.6 the master re-executes with `-sf OLD -x sockpair@N`, i.e. seamless, listeners handed over) and,
# for contrast, HAProxy's classic soft reload (a new `haproxy -f CFG -sf OLD` without `-x`, which binds its own
# listeners beside the old process's: the non-seamless reload the docs warn about).
#
# For each proxy, fresh, under the same load:
#   - wrk -t1 -cCONNS (HTTP keep-alive) through the proxy's HTTP listener to a shared nginx origin (two ports);
#   - CHURN_WORKERS connect-per-exchange TCP loops (connect, 100 random bytes each way, close) through its TCP
#     listener to a byte-exact echo upstream (reload_driver.py echo: `vigil-bench echo` answers filler, not echoes);
#   - SESSIONS long-lived TCP sessions opened before the first reload, and one more after each reload (so that every
#     generation holds one, as with clients that connect all the time), checked after the last (64 KiB each way,
#     byte-exact), then kept open LINGER s to see which old processes stay, then closed;
#   - RELOADS reloads every INTERVAL s, alternating two valid configs (HTTP upstream weights 1:3 / 3:1, TCP
#     connect timeout 3s / 5s); each reload waits until the proxy says it is done.
# Proxies are pinned to CPU 1 (one event loop / worker / thread); load, origin and echo to CPU 0. Proxies are
# interleaved, ROUNDS rounds, the order rotating each round. Every process is started and stopped by PID.
#   benchmarks/reload.sh
#   ROUNDS=1 PROXIES="vigil nginx" benchmarks/reload.sh       quicker
# Raw results: benchmarks/out/reload-<timestamp>/raw.tsv; the table: summary.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
RELOADS=${RELOADS:-20}
INTERVAL=${INTERVAL:-1}      # seconds between reload triggers (a fixed schedule)
CONNS=${CONNS:-32}           # wrk connections
CHURN_WORKERS=${CHURN_WORKERS:-4}   # parallel connect-per-exchange loops
SESSIONS=${SESSIONS:-50}     # long-lived TCP sessions
WARMUP=${WARMUP:-5}          # seconds of wrk before the measured run (JIT for Vigil; the same for all)
LEAD=${LEAD:-2}              # seconds of load before the first reload
TAIL=${TAIL:-2}              # seconds of load after the last reload
LINGER=${LINGER:-10}         # seconds after the last reload at which old processes are counted again
# haproxy-icor: HAProxy -W with `option idle-close-on-response`, to test why its keep-alive requests fail
read -r -a PROXIES <<<"${PROXIES:-vigil nginx haproxy haproxy-sf haproxy-icor}"
out="benchmarks/out/reload-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n 20000
driver="python3 $PWD/benchmarks/reload_driver.py"

source benchmarks/lib.sh   # install_missing, bg (pids killed by PID on exit), wait_port
install_missing wrk:wrk nginx:nginx-light /usr/lib/nginx/modules/ngx_stream_module.so:libnginx-mod-stream \
  haproxy:haproxy curl:curl
bin/vigil --version >/dev/null   # builds the jar if needed

# ports: 239xx, away from the other scripts'
ORIGIN1=23901; ORIGIN2=23902; ECHO=23903
declare -A WEB=([vigil]=23911 [nginx]=23921 [haproxy]=23931 [haproxy-sf]=23941 [haproxy-icor]=23951)
declare -A TCP=([vigil]=23912 [nginx]=23922 [haproxy]=23932 [haproxy-sf]=23942 [haproxy-icor]=23952)
ADMIN=23913
for port in $ORIGIN1 $ORIGIN2 $ECHO "${WEB[@]}" "${TCP[@]}" $ADMIN; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is taken" >&2; exit 1; fi
done

# stop processes and their children (nginx and HAProxy workers, old ones included), each by PID
stop_tree() {
  local p children
  for p in "$@"; do
    children=$(pgrep -P "$p" || true)
    kill "$p" 2>/dev/null || true
    for c in $children; do kill "$c" 2>/dev/null || true; done
  done
}
proxy_procs=()   # the current run's proxy processes (masters, classic HAProxy processes)
cleanup_all() { stop_tree "${proxy_procs[@]}"; cleanup; }
trap cleanup_all EXIT

# wait (bounded) for a command to succeed; prints nothing, returns 1 on timeout
poll() { local tries=$1; shift; for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.01; done; return 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
replace() { cat >"$1.tmp"; mv -f "$1.tmp" "$1"; }   # atomic rewrite: a reader sees the old or the new file

# --- origin (two ports, so that weights mean something) and echo upstream, CPU 0
cat >"$out/origin.conf" <<NGX
worker_processes 1; daemon off; pid $PWD/$out/origin.pid; error_log $PWD/$out/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:$ORIGIN1; listen 127.0.0.1:$ORIGIN2; location / { return 200 "ok\n"; } } }
NGX
bg taskset -c 0 nginx -c "$PWD/$out/origin.conf" -p "$PWD/$out"
bg taskset -c 0 $driver echo --listen 127.0.0.1:$ECHO
wait_port $ORIGIN1; wait_port $ECHO

# --- configs; variant 0 and 1 alternate
weights() { if [ "$1" = 0 ]; then echo "1 3"; else echo "3 1"; fi; }
timeout_s() { if [ "$1" = 0 ]; then echo 5; else echo 3; fi; }

vigil_conf() {
  local w1 w2; read -r w1 w2 < <(weights "$1")
  cat <<CONF
vigil {
  event-loops = 1
  admin { listen = "127.0.0.1:$ADMIN" }
  listeners = [
    { name = tcp, listen = "127.0.0.1:${TCP[vigil]}", upstream = echo, access-log = false, proxy-timeout = 10m }
    { name = web, listen = "127.0.0.1:${WEB[vigil]}", mode = http, upstream = app, access-log = false,
      keepalive-requests = 1000000 }
  ]
  upstreams {
    echo { servers = ["127.0.0.1:$ECHO"], connect-timeout = $(timeout_s "$1")s }
    app { servers = ["127.0.0.1:$ORIGIN1 weight=$w1", "127.0.0.1:$ORIGIN2 weight=$w2"], keepalive { idle = 32 } }
  }
}
CONF
}

nginx_conf() {
  local w1 w2; read -r w1 w2 < <(weights "$1")
  cat <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $PWD/$out/nginx.pid; error_log $PWD/$out/nginx.err notice;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  upstream app { server 127.0.0.1:$ORIGIN1 weight=$w1; server 127.0.0.1:$ORIGIN2 weight=$w2; keepalive 32; }
  server { listen 127.0.0.1:${WEB[nginx]};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
stream {
  upstream echo { server 127.0.0.1:$ECHO; }
  server { listen 127.0.0.1:${TCP[nginx]}; proxy_pass echo; proxy_connect_timeout $(timeout_s "$1")s;
    proxy_timeout 10m; }
}
NGX
}

haproxy_conf() {   # $1 variant, $2 haproxy | haproxy-sf | haproxy-icor
  local w1 w2; read -r w1 w2 < <(weights "$1")
  cat <<HAP
global
  nbthread 1
defaults
  timeout connect $(timeout_s "$1")s
  timeout client 10m
  timeout server 10m
listen web
  mode http
  bind 127.0.0.1:${WEB[$2]}
  timeout http-keep-alive 75s
  http-reuse safe
$([ "$2" != haproxy-icor ] || echo "  option idle-close-on-response")
  server o1 127.0.0.1:$ORIGIN1 weight $w1
  server o2 127.0.0.1:$ORIGIN2 weight $w2
listen tcp
  mode tcp
  bind 127.0.0.1:${TCP[$2]}
  server echo 127.0.0.1:$ECHO
HAP
}

# --- per proxy: write_conf VARIANT, start, reload I (returns when done), old (old processes now)
conf_file() {
  case $1 in vigil) echo "$out/vigil.conf" ;; nginx) echo "$out/nginx.conf" ;; *) echo "$out/$1.cfg" ;; esac
}
write_conf() {   # $1 proxy, $2 variant
  case $1 in
    vigil) vigil_conf "$2" ;;
    nginx) nginx_conf "$2" ;;
    *) haproxy_conf "$2" "$1" ;;
  esac | replace "$(conf_file "$1")"
}
log_file() { echo "$out/$1-$round.log"; }

start_proxy() {
  local p=$1 log; log=$(log_file "$p")
  case $p in
    vigil) taskset -c 1 bin/vigil run -c "$(conf_file vigil)" >"$log" 2>&1 & ;;
    nginx) : >"$out/nginx.err"; taskset -c 1 nginx -c "$PWD/$(conf_file nginx)" -p "$PWD/$out" >"$log" 2>&1 & ;;
    haproxy|haproxy-icor) taskset -c 1 haproxy -W -f "$(conf_file "$p")" >"$log" 2>&1 & ;;
    haproxy-sf) taskset -c 1 haproxy -f "$(conf_file haproxy-sf)" >"$log" 2>&1 & ;;
  esac
  proxy_procs=($!)
  current=$!   # the process serving new connections (classic HAProxy: the newest one)
  wait_port "${WEB[$p]}"; wait_port "${TCP[$p]}"
  [ "$p" != vigil ] || wait_port $ADMIN
}

vigil_metric() {   # $1 metric line prefix, e.g. 'vigil_config_reloads_total{result="success"}'
  curl -s --max-time 2 "http://127.0.0.1:$ADMIN/metrics" | awk -v m="$1" '$1==m {print int($2)}'
}
# predicates for poll: they look again at every try
vigil_reloads_are() { [ "$(vigil_metric 'vigil_config_reloads_total{result="success"}')" = "$1" ]; }
lines_are() { [ "$(grep -c -F -- "$2" "$1" || true)" = "$3" ]; }
no_old() { [ "$(old_count "$1")" = 0 ]; }

reload_proxy() {   # $1 proxy, $2 reload number (1..); returns 1 when the proxy did not report it done in 10 s
  local p=$1 i=$2 log; log=$(log_file "$p")
  case $p in
    vigil)
      if [ $((i % 2)) = 1 ]; then kill -HUP "$current"
      else curl -s --max-time 5 -o /dev/null -X POST "http://127.0.0.1:$ADMIN/reload"; fi
      poll 1000 vigil_reloads_are "$i" ;;
    nginx)   # done when the master has started the (i+1)th worker
      nginx -c "$PWD/$(conf_file nginx)" -p "$PWD/$out" -s reload 2>>"$log"
      poll 1000 lines_are "$out/nginx.err" 'start worker process ' $((i + 1)) ;;
    haproxy|haproxy-icor)   # done when the master logs its (i+1)th "Loading success."
      kill -USR2 "$current"
      poll 1000 lines_are "$log" 'Loading success.' $((i + 1)) ;;
    haproxy-sf)   # a new process, which binds beside the old one and then tells it to finish (SIGUSR1)
      taskset -c 1 haproxy -f "$(conf_file haproxy-sf)" -sf "$current" >>"$log" 2>&1 &
      proxy_procs+=($!); current=$!
      poll 1000 lines_are "$log" 'Proxy tcp stopped' "$i" ;;
  esac
}

old_count() {   # old processes (Vigil: old configuration generations inside its one process)
  local p=$1 n=0 c
  case $p in
    vigil) c=$(vigil_metric vigil_config_generations); echo $(( ${c:-0} - 1 )) ;;
    nginx)
      for c in $(pgrep -P "$current" || true); do
        grep -q -a "shutting down" "/proc/$c/cmdline" 2>/dev/null && n=$((n + 1))
      done
      echo $n ;;
    haproxy|haproxy-icor) echo $(( $(pgrep -P "$current" | wc -l) - 1 )) ;;
    haproxy-sf)
      for c in "${proxy_procs[@]}"; do [ "$c" = "$current" ] || ! kill -0 "$c" 2>/dev/null || n=$((n + 1)); done
      echo $n ;;
  esac
}

record() { echo -e "$round\t$proxy\t$1\t$2" >>"$out/raw.tsv"; }
echo -e "round\tproxy\tmetric\tvalue" >"$out/raw.tsv"

run_case() {
  local proxy=$1 i t0 start_ms reload_ms=() old_max=0 n wrk_pid churn_pid hold_pid f
  echo "== round $round: $proxy" | tee -a "$out/progress.txt"
  write_conf "$proxy" 0
  start_proxy "$proxy"
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${WARMUP}s" "http://127.0.0.1:${WEB[$proxy]}/" >"$out/warmup-$proxy-$round.txt"

  f="$out/hold-$proxy-$round.json"
  taskset -c 0 $driver hold --target "127.0.0.1:${TCP[$proxy]}" --sessions "$SESSIONS" --out "$f" \
    --max-seconds 300 & hold_pid=$!; pids+=($hold_pid)
  poll 1000 test -f "$f.ready" || { echo "hold never got ready" >&2; exit 1; }

  local load_s=$((LEAD + RELOADS * INTERVAL + TAIL))
  $driver cpu "$out/cpu-before-$proxy-$round.json"
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${load_s}s" "http://127.0.0.1:${WEB[$proxy]}/" \
    >"$out/wrk-$proxy-$round.txt" 2>&1 & wrk_pid=$!; pids+=($wrk_pid)
  taskset -c 0 $driver churn --target "127.0.0.1:${TCP[$proxy]}" --out "$out/churn-$proxy-$round.json" \
    --seconds $((load_s + 30)) --workers "$CHURN_WORKERS" & churn_pid=$!; pids+=($churn_pid)
  sleep "$LEAD"

  start_ms=$(now_ms)
  local reloads="$out/reloads-$proxy-$round.txt"; : >"$reloads"
  for i in $(seq "$RELOADS"); do
    write_conf "$proxy" $((i % 2))
    t0=$(now_ms)
    echo "$t0 reload $i" >>"$reloads"
    reload_proxy "$proxy" "$i" || echo "$proxy round $round: reload $i not done after 10 s" | tee -a "$out/errors.txt"
    reload_ms+=($(( $(now_ms) - t0 )))
    n=$(old_count "$proxy"); [ "$n" -le "$old_max" ] || old_max=$n
    kill -USR2 "$hold_pid"   # one more long-lived session, in this generation
    # the next trigger at a fixed schedule: start + i * INTERVAL
    while [ "$(now_ms)" -lt $((start_ms + i * INTERVAL * 1000)) ] && [ "$i" -lt "$RELOADS" ]; do sleep 0.01; done
  done
  local last_ms; last_ms=$(now_ms)
  record old_after_last "$(old_count "$proxy")"
  record old_max "$old_max"

  poll $(( (TAIL + 20) * 100 )) eval "! kill -0 $wrk_pid 2>/dev/null" || kill "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" || true
  kill -TERM "$churn_pid" 2>/dev/null || true
  poll 1000 eval "! kill -0 $churn_pid 2>/dev/null" || kill -KILL "$churn_pid" 2>/dev/null || true
  wait "$churn_pid" || true
  kill -USR1 "$hold_pid"
  poll 6000 test -f "$f" || echo "$proxy round $round: long-lived check did not finish" | tee -a "$out/errors.txt"
  $driver cpu "$out/cpu-after-$proxy-$round.json"

  while [ "$(now_ms)" -lt $((last_ms + LINGER * 1000)) ]; do sleep 0.05; done
  record old_after_linger "$(old_count "$proxy")"
  record linger_s "$LINGER"
  kill -TERM "$hold_pid"
  local closed_ms; closed_ms=$(now_ms)
  if poll 3000 no_old "$proxy"; then record old_exit_ms $(( $(now_ms) - closed_ms ))
  else record old_exit_ms ">30000"; fi
  wait "$hold_pid" || true

  # results
  local w="$out/wrk-$proxy-$round.txt"
  record wrk_requests "$(awk '/requests in/{print $1}' "$w")"
  local num='\([0-9]*\)'
  read -r c r wr t < <(sed -n "s/.*connect $num, read $num, write $num, timeout $num.*/\\1 \\2 \\3 \\4/p" "$w"
    echo "0 0 0 0")
  record wrk_connect "$c"; record wrk_read "$r"; record wrk_write "$wr"; record wrk_timeout "$t"
  record wrk_non2xx "$(awk '/Non-2xx/{print $5; found=1} END{if(!found) print 0}' "$w")"
  python3 - "$out/churn-$proxy-$round.json" "$f" <<'PY' | while read -r k v; do record "$k" "$v"; done
import json, sys
c = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]))
print("churn_exchanges", c["exchanges"]); print("churn_refused", c["refused"]); print("churn_reset", c["reset"])
print("churn_other", c["timeout"] + c["eof"] + c["mismatch"] + c["other"])
print("held_survived", h["survived"]); print("late_survived", h["late_survived"])
PY
  # when each churn failure happened, after the latest reload trigger
  python3 - "$out/churn-$proxy-$round.json" "$out/reloads-$proxy-$round.txt" "$proxy" "$round" \
    >>"$out/churn-failures.txt" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
triggers = [int(line.split()[0]) for line in open(sys.argv[2])] if c["failure_list"] else []
for f in c["failure_list"]:
    before = [t for t in triggers if t <= f["at"] * 1000]
    after = f"{f['at'] * 1000 - before[-1]:.0f} ms after reload {len(before)}" if before else "before the 1st reload"
    print(sys.argv[3], "round", sys.argv[4], f["kind"], after, f["error"])
PY
  local sorted; sorted=$(printf '%s\n' "${reload_ms[@]:-0}" | sort -n)
  record reload_ms_median "$(echo "$sorted" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
  record reload_ms_max "$(echo "$sorted" | tail -1)"
  $driver noise "$out/cpu-before-$proxy-$round.json" "$out/cpu-after-$proxy-$round.json" --root $$ \
    >"$out/noise-$proxy-$round.json"
  record foreign_cpu_pct "$(python3 -c 'import json, sys; print(json.load(sys.stdin)["foreign_cpu_pct_of_one_core"])' \
    <"$out/noise-$proxy-$round.json")"

  if [ "$proxy" = vigil ]; then   # wrk opens CONNS connections twice (warm-up, run): more means some were closed
    curl -s "http://127.0.0.1:$ADMIN/metrics" >"$out/vigil-metrics-$round.txt"
    record vigil_web_accepted "$(awk -v m='vigil_listener_connections_accepted_total{listener="web"}' \
      '$1 == m {print int($2)}' "$out/vigil-metrics-$round.txt")"
  fi
  stop_tree "${proxy_procs[@]}"
  for p in "${proxy_procs[@]}"; do poll 500 eval "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null || true; done
  wait "${proxy_procs[@]}" 2>/dev/null || true
  proxy_procs=()
  { grep -P "^$round\t$proxy\t" "$out/raw.tsv" | cut -f3,4 | tr '\n' ' '; echo; } | tee -a "$out/progress.txt"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"
for round in $(seq "$ROUNDS"); do
  n=${#PROXIES[@]}
  for k in $(seq 0 $((n - 1))); do
    run_case "${PROXIES[$(( (k + round - 1) % n ))]}"   # rotate the order each round
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
$driver table "$out/raw.tsv" | tee "$out/summary.md"
echo "raw numbers: $out/raw.tsv"
