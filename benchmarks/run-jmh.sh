#!/usr/bin/env bash
# JMH microbenchmarks (on demand; never gates CI): installs Vigil's jar locally, builds benchmarks.jar, runs it.
#   benchmarks/run-jmh.sh                      all benchmarks, with the GC profiler (allocation per op)
#   benchmarks/run-jmh.sh PeerPicker -p balance=hash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -q -B -Dstyle.color=never install -DskipTests
(cd benchmarks && mvn -q -B -Dstyle.color=never package)
exec java -jar benchmarks/target/benchmarks.jar -prof gc "$@"
