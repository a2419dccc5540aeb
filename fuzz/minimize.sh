#!/usr/bin/env bash
# Replace a target's committed corpus by a small set of inputs that keeps every coverage edge of the committed and
# working corpora: libFuzzer -merge=1 over edges only (no value profile, no hit counters, which would keep hundreds
# of inputs per target for counter buckets). Hand-written seeds (seed-*) and inputs that once found a bug
# (regression-*) are always kept, and come first. FUZZ_NO_BUILD=1 reuses the last build.
#   fuzz/minimize.sh HttpHeadFuzzTest#shouldParseRequestHeads
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=${1:?usage: fuzz/minimize.sh <FuzzTestClass>#<method>}
simple=${target%%#*}
method=${target##*#}
source=$(find src/test/java -name "$simple.java" | head -1)
seeds=src/test/resources/$(dirname "${source#src/test/java/}")/${simple}Inputs/$method
merged=target/fuzz-merge/$simple/$method
rm -rf "$merged" && mkdir -p "$merged"
find "$seeds" -maxdepth 1 -type f \( -name 'seed-*' -o -name 'regression-*' \) -exec cp {} "$merged/" \;
FUZZ_MERGE_INTO="$merged" fuzz/run.sh "$target" -use_value_profile=0 -use_counters=0 >"$merged.log" 2>&1 ||
  { tail -20 "$merged.log" >&2; exit 1; }
find "$seeds" -maxdepth 1 -type f ! -name 'seed-*' ! -name 'regression-*' -delete
cp -n "$merged"/* "$seeds/"
echo "$target: $(find "$seeds" -maxdepth 1 -type f | wc -l) inputs, $(cat "$seeds"/* | wc -c) bytes in $seeds;" \
  "$(grep -a 'MERGE-OUTER: .* new files' "$merged.log" | tail -1 | sed 's/MERGE-OUTER: //')"
