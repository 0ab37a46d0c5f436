#!/usr/bin/env bash
# The main job: installs what is missing, builds (release), runs the shipped scenario
# suite under both shipped policies over 200 seeds, writes the reports into out/
# (results.json, junit.xml, summary.md) and prints the summary; then the engine benchmark.
# Exit status: that of `failsim run` (0 all expectations hold, 1 some failed, 2 bad input).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
echo
status=0
./build/release/harness/failsim run scenarios/*.json \
  --policy scenarios/policies/paws360-as-built.json \
  --policy scenarios/policies/health-gated-failover.json \
  --seeds 200 --out out || status=$?
echo
echo "== Engine benchmark: hold model, events/s (items_per_second) =="
./build/release/bench/failsim_bench --benchmark_filter='Hold/1000$'
exit "$status"
