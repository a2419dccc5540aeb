#!/usr/bin/env bash
# Warm-up (issue 15): the p99 of the first REQUESTS requests through a Vigil started a moment ago, against the p99
# of the same Vigil once warm. Open loop at RATE req/s over CONNS connections (bin/vigil-bench tcp, coordinated-
# omission corrected, 64 B requests to the rig's echo upstream); Vigil pinned to CPU 1, everything else on CPU 0.
#   benchmarks/warmup.sh                 ROUNDS=3 RATE=2000 CONNS=16 REQUESTS=10000 WARM_SECS=20 RUNTIMES="17 25 image"
# Per round and runtime, in this order:
#   direct  a fresh vigil-bench straight to the echo upstream for the first REQUESTS requests: the generator's own
#           JIT warm-up (the control: a cold figure through Vigil cannot be better than this)
#   cold    Vigil started as bin/vigil starts it, and vigil-bench sent as soon as it listens: its first REQUESTS
#   warm    the same Vigil after WARM_SECS more seconds at RATE: REQUESTS requests
# Runtimes: 17 = bin/vigil with the system JDK 17 (its class archive primed by one start and stop first); 25 =
# bin/vigil with Temurin 25 (JAVA_HOME=JDK25, default /usr/lib/jvm/temurin-25-jdk-amd64); image = the image's
# jlinked runtime, flags and AOT cache in a chroot of target/image/train (needs bin/vigil-image first; skipped
# otherwise). Each run's per-second lines (responses/s, p50, p99, max of that second) and the summary are kept.
# Output: benchmarks/out/warmup-<timestamp>/summary.tsv (p99 and p99.9 in microseconds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-2000}
CONNS=${CONNS:-16}
REQUESTS=${REQUESTS:-10000}
WARM_SECS=${WARM_SECS:-20}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
read -r -a runtimes <<<"${RUNTIMES:-17 25 image}"
out=${OUT:-benchmarks/out/warmup-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
source benchmarks/lib.sh
bin/vigil --version >/dev/null   # builds the jar if needed
secs=$(( (REQUESTS + RATE - 1) / RATE ))

ECHO=27400
PORT=27500
bg taskset -c 0 bin/vigil-bench echo --listen 127.0.0.1:$ECHO
wait_port $ECHO
cat >"$out/vigil.conf" <<CONF
vigil {
  event-loops = 1
  listeners = [{ name = tcp, listen = "127.0.0.1:$PORT", upstream = echo, access-log = false }]
  upstreams { echo { servers = ["127.0.0.1:$ECHO"] } }
}
CONF
image_root=target/image/train
if [[ " ${runtimes[*]} " == *" image "* ]]; then
  if [ -d "$image_root/opt/vigil/jre" ]; then
    cp "$out/vigil.conf" "$image_root/warmup.conf"
    mapfile -t image_flags < <(grep -Ev '^[[:space:]]*(#|$)' deploy/image/jvm.options)
  else
    echo "warmup: no $image_root (run bin/vigil-image): leaving out the image" >&2
    read -r -a runtimes <<<"${runtimes[*]/image/}"
  fi
fi

vigil_pid=
start_vigil() { # start_vigil RUNTIME: Vigil on CPU 1, returns once it listens
  case $1 in
    17) taskset -c 1 env -u JAVA_HOME bin/vigil run -c "$out/vigil.conf" >>"$out/vigil-$1.log" 2>&1 & ;;
    25) taskset -c 1 env JAVA_HOME="$JDK25" bin/vigil run -c "$out/vigil.conf" >>"$out/vigil-$1.log" 2>&1 & ;;
    image)
      taskset -c 1 unshare --user --map-root-user --mount -- bash -c \
        'root=$1; shift; mount --rbind /proc "$root/proc" && mount --rbind /dev "$root/dev" && exec chroot "$root" "$@"' \
        chroot "$image_root" /opt/vigil/jre/bin/java "${image_flags[@]}" -jar /opt/vigil/vigil.jar \
        run -c /warmup.conf >>"$out/vigil-$1.log" 2>&1 & ;;
  esac
  vigil_pid=$!
  pids+=("$vigil_pid")
  wait_port $PORT
}
stop_vigil() { # SIGTERM drains and exits 0 (bin/vigil writes its class archive then)
  kill -TERM "$vigil_pid"
  wait "$vigil_pid" || true
}
bench() { # bench NAME TARGET WARMUP_SECS: one vigil-bench run; per-second lines and summary in NAME.log
  taskset -c 0 bin/vigil-bench tcp --target "$1" --rate "$RATE" --connections "$CONNS" --warmup "${3}s" \
    --duration "${secs}s" --out "$out/$2" >"$out/$2.log" 2>&1
}
p99() { # p99 and p99.9 (us) of a run: its summary.json
  python3 - "$out/$1/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f'{s["latency_us"]["p99"]:.0f}\t{s["latency_us"]["p99_9"]:.0f}\t{s["requests"]}\t{s["send_lag_us"]["p99"]:.0f}')
PY
}

for runtime in "${runtimes[@]}"; do   # prime bin/vigil's class archive (JDK 17): written at a clean exit
  [ "$runtime" = 17 ] || continue
  start_vigil 17; stop_vigil
done
echo -e "round\truntime\trun\tp99_us\tp999_us\trequests\tsend_lag_p99_us" >"$out/summary.tsv"
for round in $(seq "$ROUNDS"); do
  for runtime in "${runtimes[@]}"; do
    bench "127.0.0.1:$ECHO" "r$round-$runtime-direct" 0
    start_vigil "$runtime"
    bench "127.0.0.1:$PORT" "r$round-$runtime-cold" 0
    bench "127.0.0.1:$PORT" "r$round-$runtime-warm" "$WARM_SECS"
    stop_vigil
    for run in direct cold warm; do
      echo -e "$round\t$runtime\t$run\t$(p99 "r$round-$runtime-$run")" | tee -a "$out/summary.tsv"
    done
  done
done
column -t "$out/summary.tsv"
