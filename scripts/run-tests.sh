#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest.
# Usage: scripts/run-tests.sh [PRESET]   PRESET: asan (default: AddressSanitizer +
# UndefinedBehaviorSanitizer, warnings as errors, the benchmarks compiled too), dev or release.
# Every test runs once, under the sanitizers: the real-tool and timing tests included.
# Afterwards no failsim process this build started may be left running.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-asan}"
bash scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset" -j "$(nproc)"
status=0
ctest --preset "$preset" -j "$(nproc)" || status=$?
binary="$PWD/build/$preset/harness/failsim"
if left=$(pgrep -f -a "^$binary( |$)"); then
  echo "run-tests: failsim processes left running after the tests (killed now):" >&2
  echo "$left" >&2
  pkill -KILL -f "^$binary( |$)" || true
  [[ $status -ne 0 ]] || status=1
fi
exit "$status"
