#!/usr/bin/env bash
# Run one fuzz target in fuzzing mode with Jazzer's command line (all libFuzzer flags available):
#   fuzz/run.sh HttpHeadFuzzTest#shouldParseRequestHeads [libFuzzer flags, e.g. -runs=10000000 -max_total_time=3600]
# The working corpus grows in target/fuzz-corpus/<Class>/<method>/, findings land in target/fuzz-findings/; the
# committed corpus (src/test/resources/<package>/<Class>Inputs/<method>/) is read as seeds and never written.
# With FUZZ_MERGE_INTO=<dir>, merges the committed and working corpora into <dir> instead (see fuzz/minimize.sh).
# Run it under `nice -n 10` on a shared machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=${1:?usage: fuzz/run.sh <FuzzTestClass>#<method> [libFuzzer flags]}
shift
simple=${target%%#*}
method=${target##*#}
source=$(find src/test/java -name "$simple.java" | head -1)
[ -n "$source" ] || { echo "fuzz/run.sh: no test class $simple" >&2; exit 2; }
class=$(echo "${source#src/test/java/}" | sed 's|\.java$||; s|/|.|g')
package_dir=$(dirname "${source#src/test/java/}")

# FUZZ_NO_BUILD=1 reuses the last build (e.g. to merge a corpus while another target is being fuzzed)
if [ -z "${FUZZ_NO_BUILD:-}" ] || [ ! -f target/fuzz-classpath.txt ]; then
  mvn -o -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/fuzz-classpath.txt \
    -Dmdep.includeScope=test >/dev/null
fi
# Jazzer's command line runs @FuzzTest methods through the JUnit launcher, which the pom does not need otherwise:
# take the launcher matching the JUnit Platform on the test class path
platform=$(tr ':' '\n' < target/fuzz-classpath.txt | sed -n 's|.*/junit-platform-engine-\(.*\)\.jar$|\1|p')
launcher=$HOME/.m2/repository/org/junit/platform/junit-platform-launcher/$platform/junit-platform-launcher-$platform.jar
[ -f "$launcher" ] || mvn -B -q dependency:get -Dartifact="org.junit.platform:junit-platform-launcher:$platform" >/dev/null

work=target/fuzz-corpus/$simple/$method
findings=target/fuzz-findings/$simple/$method
seeds=src/test/resources/$package_dir/${simple}Inputs/$method
mkdir -p "$work" "$findings" "$seeds"
corpora=("$work" "$seeds")
if [ -n "${FUZZ_MERGE_INTO:-}" ]; then
  corpora=("$FUZZ_MERGE_INTO" "$seeds" "$work")
  set -- -merge=1 "$@"
fi
includes='io.vigil.**'
# the config loader's coverage is mostly inside the HOCON parser
[ "$simple" = ConfigLoaderFuzzTest ] && includes='io.vigil.**:com.typesafe.config.**'

set -x
exec java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  -Xmx1g -XX:+UseParallelGC \
  -cp "target/test-classes:target/classes:$(cat target/fuzz-classpath.txt):$launcher" \
  com.code_intelligence.jazzer.Jazzer \
  --target_class="$class" --target_method="$method" --hooks=true \
  --instrumentation_includes="$includes" --custom_hook_includes="$includes" \
  -timeout=10 -rss_limit_mb=3000 -use_value_profile=1 -print_final_stats=1 \
  -artifact_prefix="$findings/" "$@" "${corpora[@]}"
