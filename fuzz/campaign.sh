#!/usr/bin/env bash
# The campaign: every target in turn, each until FUZZ_RUNS executions (default 10 million) or FUZZ_SECONDS
# (default 3600), whichever comes first, niced (the machine is shared); a summary line per target from libFuzzer's
# final statistics.
#   fuzz/campaign.sh [target ...]                      (default: all targets)
#   FUZZ_SECONDS=300 fuzz/campaign.sh                  (five minutes each)
# Logs: target/fuzz-logs/<Class>#<method>.log. Minimise the corpora afterwards with fuzz/minimize.sh. Every target
# compiles the tests first: run it in a copy of the tree if you keep building in this one.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(
  HttpHeadFuzzTest#shouldParseRequestHeads
  HttpHeadFuzzTest#shouldParseResponseHeads
  ChunkedDecoderFuzzTest#shouldDecodeChunkedBodies
  BodyFramerFuzzTest#shouldFrameBodies
  HeadWriterFuzzTest#shouldRewriteRequestHeads
  HeadWriterFuzzTest#shouldRewriteResponseHeads
  HostPortFuzzTest#shouldParseAddresses
  KeepAliveSyntaxFuzzTest#shouldParseSoKeepalive
  NginxTimeFuzzTest#shouldParseTimes
  ConfigLoaderFuzzTest#shouldLoadOrRefuseConfigs
  ProxyHeaderParserFuzzTest#shouldReadProxyHeaders
  ClientHelloScannerFuzzTest#shouldScanClientHellos)
seconds_each=${FUZZ_SECONDS:-3600}
runs_each=${FUZZ_RUNS:-10000000}
mkdir -p target/fuzz-logs
echo "campaign $(date -u +%FT%TZ) on $(git rev-parse --short HEAD 2>/dev/null || echo '?'): each target until" \
  "$runs_each executions or $seconds_each s; $(nproc) cores, $(java -version 2>&1 | head -1)"
for target in "${targets[@]}"; do
  log="target/fuzz-logs/$target.log"
  start=$(date +%s)
  nice -n 10 fuzz/run.sh "$target" -runs="$runs_each" -max_total_time="$seconds_each" >"$log" 2>&1
  status=$?
  seconds=$(($(date +%s) - start))
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
  rate=$(grep -a 'stat::average_exec_per_sec' "$log" | tail -1 | awk '{print $2}')
  last=$(grep -a -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -1)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
  findings=$(grep -a -c '== Java Exception' "$log")
  echo "$target status=$status seconds=$seconds execs=$execs exec/s=$rate cov=$cov ft=$ft corpus=$corp findings=$findings"
done
