#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, from the committed seeds in
# fuzz/seeds/<target> (read-only) plus a working corpus in fuzz/corpus/<target>, and prints a
# Markdown table: executions, exec/s, coverage (libFuzzer's cov and ft), crashes. Fails if any
# target crashes; the reproducer is left in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh 20              # CI smoke run
#   fuzz/run.sh 600 dare_io     # a longer campaign of one target
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [target...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -A1 '^\[\[bin\]\]' Cargo.toml | sed -n 's/^name = "\(.*\)"/\1/p')
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo "CPU: $cpu; $secs s per target; cargo +nightly fuzz (libFuzzer, ASan)"
echo
echo "| target | executions | exec/s | cov | ft | crashes |"
echo "|---|---|---|---|---|---|"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t"
  log=$(mktemp)
  if cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1; then
    crashes=0
  else
    crashes=1
    failed=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  echo "| $t | ${runs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | $crashes |"
  if [ "$crashes" != 0 ]; then
    echo "--- $t failed; the end of its log:" >&2
    tail -40 "$log" >&2
  fi
  rm -f "$log"
done
exit $failed
