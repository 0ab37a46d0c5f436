#!/usr/bin/env bash
# Runs the whole test suite N times in a row (default 5) with `stress-ng --cpu 2` keeping
# both cores busy beside it: a test that fails only under load is a defect to find.
# Usage: scripts/stress-tests.sh [RUNS] [PRESET]   (PRESET: asan, the default, or dev)
# Needs a build of PRESET (scripts/run-tests.sh makes one). Prints one line per run and
# the failed tests; exit 0 when every run passed. stress-ng is installed with apt if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
preset="${2:-asan}"
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "stress-tests: RUNS must be 1 to 99, not '$runs'" >&2; exit 2; }
[[ -d build/$preset ]] || { echo "stress-tests: no build/$preset: run scripts/run-tests.sh $preset first" >&2; exit 2; }
if ! command -v stress-ng >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y --no-install-recommends stress-ng >/dev/null; else sudo apt-get install -y stress-ng >/dev/null; fi
fi
stress-ng --cpu 2 --timeout "$((runs * 45))m" --quiet &
stress=$!
trap 'kill "$stress" 2>/dev/null || true' EXIT
failed_runs=0
for ((i = 1; i <= runs; i++)); do
  log="build/$preset/stress-run-$i.log"
  start=$(date +%s)
  if ctest --preset "$preset" -j "$(nproc)" >"$log" 2>&1; then
    echo "run $i/$runs: passed ($(( $(date +%s) - start )) s)"
  else
    failed_runs=$((failed_runs + 1))
    echo "run $i/$runs: FAILED ($(( $(date +%s) - start )) s), see $log:"
    sed -n '/The following tests FAILED/,$p' "$log"
  fi
done
echo "stress-tests: $((runs - failed_runs))/$runs runs passed under stress-ng --cpu 2"
[[ $failed_runs -eq 0 ]]
