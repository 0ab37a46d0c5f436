#!/usr/bin/env bash
# The main job: installs what is missing, builds (release) and runs the engine
# benchmark and the built-in demo scenario, printing what a person can read.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
echo
echo "== Engine benchmark: hold model, events/s (items_per_second) =="
./build/release/bench/failsim_bench --benchmark_filter=Hold
echo
echo "== Demo scenario =="
./build/release/harness/failsim demo --seed 1
