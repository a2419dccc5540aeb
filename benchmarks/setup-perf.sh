#!/usr/bin/env bash
# Where a proxied connection's CPU goes, Vigil against nginx stream (issue 14): setup-cost.sh's load (new connection,
# 64 B echo, close; 16 connections, closed loop) through each, `perf record -F 4999` on the whole proxy process for
# each run, interleaved rounds. Prints perf samples per 1000 connections (one sample ~ 200 us of CPU) by where they
# fell: the kernel, Vigil's JIT-compiled Java, libjvm (split: the loop thread, the JIT compilers, the rest), libc;
# nginx's own code, its stream module, libc. Then the kernel and user symbols with the largest difference per
# connection, summed over all rounds. Java frames are named through the JVM's perf map (jcmd Compiler.perfmap).
#   VIGIL_JAR=path (default target/vigil.jar)  ROUNDS=3 RUN=5 (seconds)  HALF_CLOSE=off|on (default off)
#   SOCKETS=kernel|jdk  PROXY_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}; RUN=${RUN:-5}
out=$PWD/benchmarks/out/setup-perf-$(date +%Y%m%d-%H%M%S); mkdir -p "$out"
JAVA=${PROXY_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}; JCMD=$(dirname "$JAVA")/jcmd
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 1; }
source benchmarks/lib.sh
ulimit -n 20000
declare -A PORT=([vigil]=17870 [nginx]=17871)
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:17869
cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [ { name = echo, listen = "127.0.0.1:${PORT[vigil]}", upstream = echo, access-log = false,
                  half-close = ${HALF_CLOSE:-off} } ]
  upstreams { echo { servers = ["127.0.0.1:17869"] } }
}
CONF
LC_ALL=C.UTF-8 taskset -c 1 "$JAVA" -XX:+UseSerialGC -Xms8m -XX:-UsePerfData -XX:AutoBoxCacheMax=4095 \
  -Dvigil.sockets=${SOCKETS:-kernel} --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar "${VIGIL_JAR:-target/vigil.jar}" run -c "$out/vigil.conf" \
  >"$out/vigil.log" 2>&1 &
pids+=($!); vigil_pid=$!
cat >"$out/nginx.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; daemon off; pid $out/nginx.pid; error_log $out/nginx.err;
events { worker_connections 4096; }
stream { server { listen 127.0.0.1:${PORT[nginx]}; proxy_pass 127.0.0.1:17869; } }
NGX
bg taskset -c 1 nginx -c "$out/nginx.conf" -p "$out"
for t in vigil nginx; do wait_port "${PORT[$t]}"; done
drive() { taskset -c 0 bin/vigil-bench tcp --target "127.0.0.1:${PORT[$1]}" --new-connection --max --duration "$2s" \
    --warmup 0s --connections 16 --size 64 --quiet --out "$3" >"$3.txt"; }
for t in vigil nginx; do drive "$t" 15 "$out/warm-$t"; done   # long enough for C2 to settle (late deopts ~10-13 s)
nginx_worker=$(pgrep -P "$(cat "$out/nginx.pid")" | head -1)
for r in $(seq "$ROUNDS"); do
  for t in vigil nginx; do
    p=$vigil_pid; [ "$t" = nginx ] && p=$nginx_worker
    perf record -F 4999 -p "$p" -o "$out/$t-$r.data" -- sleep "$((RUN + 1))" >"$out/$t-$r.perf.log" 2>&1 & rec=$!
    sleep 0.5
    drive "$t" "$RUN" "$out/run-$t-$r"
    wait "$rec"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$out/run-$t-$r/summary.json" \
      >"$out/$t-$r.conns"
  done
done
"$JCMD" "$vigil_pid" Compiler.perfmap >/dev/null   # /tmp/perf-PID.map: names for the JIT's code
for t in vigil nginx; do
  for r in $(seq "$ROUNDS"); do
    perf report -i "$out/$t-$r.data" --no-children --sort comm,dso,sym --stdio -g none -n 2>/dev/null \
      | grep -v '^#' | grep -v '^$' >"$out/$t-$r.syms.txt" || true
  done
done
python3 - "$out" "$ROUNDS" <<'PY'
import collections, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(t, r):
    rows = []
    for line in open(f"{out}/{t}-{r}.syms.txt"):
        p = line.split()
        # "  12.34%  123  comm  dso  [.] symbol": comm may hold spaces (e.g. "C2 CompilerThre"): dso is the field
        # before "[.]" or "[k]", and the JIT's dso is "[JIT] tid N"
        k = next(i for i, x in enumerate(p) if x in ('[.]', '[k]'))
        d = k - 3 if k >= 3 and p[k - 3] == '[JIT]' else k - 1
        rows.append((' '.join(p[2:d]), p[d], ' '.join(p[k + 1:]), int(p[1])))
    return rows
def group(t, comm, dso):
    if dso == '[kernel.kallsyms]':
        return 'kernel'
    if t == 'nginx':
        return {'nginx': 'nginx', 'ngx_stream_module.so': 'nginx stream module', 'libc.so.6': 'libc'}.get(dso, 'other')
    if dso.startswith('[JIT]'):
        return 'JIT code (Java)' if comm.startswith('vigil-loop') else 'JIT code, other threads'
    if dso == 'libjvm.so':
        if comm.startswith('vigil-loop'):
            return 'libjvm, loop thread'
        return 'libjvm, JIT compilers' if 'Compiler' in comm else 'libjvm, other threads (GC, ...)'
    return 'libc' if dso == 'libc.so.6' else 'other'
per = {}
for t in ('vigil', 'nginx'):
    groups = collections.defaultdict(list); syms = collections.Counter(); conns = 0
    for r in range(1, rounds + 1):
        n = int(open(f"{out}/{t}-{r}.conns").read()); conns += n
        g = collections.Counter()
        for comm, dso, sym, c in load(t, r):
            g[group(t, comm, dso)] += c; g['ALL'] += c
            syms[('k ' if dso == '[kernel.kallsyms]' else 'u ') + sym] += c
        for k, v in g.items():
            groups[k].append(v * 1000 / n)
    per[t] = {k: v / conns * 1000 for k, v in syms.items()}
    print(f"== {t}: perf samples per 1000 connections (4999 Hz: one sample ~ 200 us), rounds 1-{rounds}")
    for k in sorted(groups, key=lambda k: -sum(groups[k])):
        print(f"  {k:34s} " + ' '.join(f"{v:7.1f}" for v in groups[k]))
print("== symbols: samples per 1000 connections over all rounds, vigil - nginx (k kernel, u user)")
keys = set(per['vigil']) | set(per['nginx'])
rows = sorted(((per['vigil'].get(k, 0) - per['nginx'].get(k, 0), k) for k in keys), reverse=True)
for item in rows[:25] + [None] + rows[-15:]:
    if item is None:
        print('  ...')
        continue
    d, k = item
    print(f"  {d:7.2f}  vigil {per['vigil'].get(k, 0):7.2f}  nginx {per['nginx'].get(k, 0):7.2f}  {k}")
PY
echo "out: $out"
