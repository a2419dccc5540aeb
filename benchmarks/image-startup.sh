#!/usr/bin/env bash
# Start-up of the container image to "listening", and its size: benchmarks/RESULTS.md, "Container image".
#   benchmarks/image-startup.sh [RUNS]      (root; needs target/vigil-image.tar from bin/vigil-image, podman, runc)
# Each run starts a fresh container the way the DaemonSet runs it (read-only root, user 65532, no capabilities,
# no network but loopback) with the image's example config, and times from `podman run` to Vigil's first
# "listening" line on stdout; then SIGTERM. Once with the image as built, once with its AOT cache turned off
# (-XX:AOTMode=off), and once as the bare JVM in a chroot of the image's root (no container runtime: what the JVM
# itself takes). Prints min / median / max in milliseconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-11}
archive=target/vigil-image.tar
[ -f "$archive" ] || { echo "image-startup: $archive is missing: run bin/vigil-image" >&2; exit 1; }
image=$(tar -xOf "$archive" ./index.json | sed -n 's/.*"org.opencontainers.image.ref.name":"\([^"]*\)".*/\1/p')
podman load --quiet --input "$archive" >/dev/null
# podman asks for more files and processes than a process without CAP_SYS_RESOURCE may grant (see PodRun)
nofile=$(ulimit -Hn); nproc=$(( $(ulimit -Hu) < 32768 ? $(ulimit -Hu) : 32768 ))
podman_run=(podman --runtime runc run --rm --network none --read-only --read-only-tmpfs=false --user 65532:65532
  --cap-drop all --security-opt no-new-privileges --memory 256m --ulimit "nofile=$nofile:$nofile"
  --ulimit "nproc=$nproc:$nproc")

# prints milliseconds from start to the first line starting with "listening", then stops the process
time_to_listening() {
  local start end line
  start=$(date +%s%N)
  coproc STARTED { exec "$@" 2>&1; }
  while IFS= read -r line <&"${STARTED[0]}"; do
    case "$line" in listening*) break ;; esac
  done
  end=$(date +%s%N)
  kill -TERM "$STARTED_PID" 2>/dev/null || true
  wait "$STARTED_PID" 2>/dev/null || true
  echo $(( (end - start) / 1000000 ))
}

summary() {
  sort -n | awk '{ v[NR] = $1 } END { printf "min %4d  median %4d  max %4d ms  (%d runs)\n", v[1], v[int((NR + 1) / 2)], v[NR], NR }'
}

echo "image $image: $(du -k "$archive" | cut -f1) KiB archive; $(podman image inspect --format '{{.Size}}' "$image") bytes unpacked"
printf '%-44s' "podman run -> listening (as built):"
for _ in $(seq "$runs"); do time_to_listening "${podman_run[@]}" "$image"; done | summary
printf '%-44s' "podman run -> listening (AOT cache off):"
for _ in $(seq "$runs"); do
  time_to_listening "${podman_run[@]}" --env JAVA_TOOL_OPTIONS=-XX:AOTMode=off "$image"
done | summary
if [ -d target/image/train ]; then
  mapfile -t entrypoint < <(podman image inspect --format '{{range .Config.Entrypoint}}{{println .}}{{end}}' "$image" |
    grep -v '^$')
  printf '%-44s' "JVM alone in a chroot of the image:"
  for _ in $(seq "$runs"); do
    time_to_listening unshare --user --map-root-user --mount -- bash -c \
      'root=$1; shift; mount --rbind /proc "$root/proc" && mount --rbind /dev "$root/dev" && exec chroot "$root" "$@"' \
      chroot target/image/train "${entrypoint[@]}" run -c /training.conf
  done | summary
fi
