#!/usr/bin/env bash
# Dead peers with data in flight (issue 14): how long each proxy takes to close both legs of a session whose peer
# vanished while bytes were streaming to it. Keepalive cannot help (it only probes idle connections); without a
# user timeout the kernel retransmits for tcp_retries2 (~15 min). Compared, each with a 5 s budget where it has one:
#   vigil-17   Vigil on Java 17, user-timeout = 5s on listener and upstream: the loop's write-stall timer
#   vigil-25   Vigil on Java 25 (the multi-release jar's FFM class): the kernel's TCP_USER_TIMEOUT
#   haproxy    HAProxy `tcp-ut 5s` on the bind and the server line, `timeout tunnel 1h`
#   nginx      nginx stream, proxy_timeout 1h: no user timeout exists, so the bound LIMIT is reported ("> 60 s")
# For each: SIDE upstream (client pushes, upstream blackholed) and SIDE client (upstream pushes, client
# blackholed), REPEAT times. Runs itself in a private network namespace (unshare -n, root), nft drops the peer.
#   benchmarks/user-timeout.sh
#   REPEAT=1 PROXIES="vigil-17 vigil-25" benchmarks/user-timeout.sh
# Raw results: benchmarks/out/user-timeout-<timestamp>/raw.tsv; the table: summary.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${UT_IN_NETNS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "needs root (unshare -n, nft)" >&2; exit 1; }
  out=/tmp source benchmarks/lib.sh   # install before entering the namespace: it has no network
  install_missing haproxy:haproxy nginx:nginx-light /usr/lib/nginx/modules/ngx_stream_module.so:libnginx-mod-stream \
    nft:nftables ss:iproute2 python3:python3
  [ -f target/vigil.jar ] || bin/vigil --version >/dev/null   # builds the jar when missing
  exec env UT_IN_NETNS=1 unshare -n -- "$0" "$@"
fi
REPEAT=${REPEAT:-3}
LIMIT=${LIMIT:-60}
TIMEOUT_S=${TIMEOUT_S:-5}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
read -r -a PROXIES <<<"${PROXIES:-vigil-17 vigil-25 haproxy nginx}"
out="benchmarks/out/user-timeout-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
source benchmarks/lib.sh

ip link set lo up
nft add table inet ut_bench
nft add set inet ut_bench blackhole '{ type ipv4_addr; }'
nft add chain inet ut_bench input '{ type filter hook input priority 0; policy accept; }'
nft add rule inet ut_bench input ip saddr @blackhole drop
nft add rule inet ut_bench input ip daddr @blackhole drop

cat >"$out/vigil.conf" <<CONF
vigil { event-loops = 1, listeners = [{ name = pub, listen = "127.0.0.1:8000", upstream = up,
  user-timeout = ${TIMEOUT_S}s, proxy-timeout = 1h }],
  upstreams { up { servers = ["127.0.0.3:9000 max-fails=0"], user-timeout = ${TIMEOUT_S}s } } }
CONF
cat >"$out/haproxy.cfg" <<CONF
global
  maxconn 100
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
frontend fe
  bind 127.0.0.1:8000 tcp-ut ${TIMEOUT_S}s
  default_backend be
backend be
  server s1 127.0.0.3:9000 tcp-ut ${TIMEOUT_S}s
CONF
cat >"$out/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
pid $PWD/$out/nginx.pid;
error_log $PWD/$out/nginx-error.log;
events { worker_connections 64; }
stream { server { listen 127.0.0.1:8000; proxy_pass 127.0.0.3:9000; proxy_timeout 1h; } }
CONF

start_proxy() {
  case "$1" in
    vigil-17) bg bin/vigil run -c "$out/vigil.conf" ;;
    vigil-25) JAVA_HOME=$JDK25 bg bin/vigil run -c "$out/vigil.conf" ;;
    haproxy)  bg haproxy -f "$out/haproxy.cfg" -db ;;
    nginx)    bg nginx -c "$PWD/$out/nginx.conf" ;;
  esac
  proxy_pid=${pids[-1]}
  # listening, seen by ss: a probe connection would fail upstream (none yet) and mark the server down
  for _ in $(seq 200); do [ -n "$(ss -Hltn 'sport = :8000')" ] && return 0; sleep 0.1; done
  echo "$1 never listened" >&2; return 1
}

printf 'proxy\tside\trun\tdetect_ms\n' >"$out/raw.tsv"
for proxy in "${PROXIES[@]}"; do
  start_proxy "$proxy"
  for side in upstream client; do
    runs=$REPEAT; [ "$proxy" = nginx ] && runs=1   # it waits out LIMIT every time
    for run in $(seq "$runs"); do
      result=$(python3 benchmarks/user_timeout_driver.py "$side" "$LIMIT")
      printf '%s\t%s\t%s\t%s\n' "$proxy" "$side" "$run" "$result" | tee -a "$out/raw.tsv"
    done
  done
  kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true
done
grep -h "user-timeout mechanism\|user_timeout" "$out/processes.log" | head -5 >"$out/vigil-mechanism.txt" || true

{
  echo "| proxy | mechanism | upstream blackholed (ms) | client blackholed (ms) |"
  echo "|---|---|---|---|"
  for proxy in "${PROXIES[@]}"; do
    case "$proxy" in
      vigil-17) mech="write-stall timer, user-timeout ${TIMEOUT_S}s" ;;
      vigil-25) mech="kernel TCP_USER_TIMEOUT (FFM), user-timeout ${TIMEOUT_S}s" ;;
      haproxy)  mech="kernel TCP_USER_TIMEOUT, tcp-ut ${TIMEOUT_S}s" ;;
      nginx)    mech="none (proxy_timeout 1h)" ;;
    esac
    up=$(awk -F'\t' -v p="$proxy" '$1==p && $2=="upstream" {printf "%s%s", sep, $4; sep=", "}' "$out/raw.tsv")
    cl=$(awk -F'\t' -v p="$proxy" '$1==p && $2=="client" {printf "%s%s", sep, $4; sep=", "}' "$out/raw.tsv")
    echo "| $proxy | $mech | $up | $cl |"
  done
} | tee "$out/summary.md"
