#!/usr/bin/env bash
# The main job: installs what is missing, builds (release), runs the shipped scenario
# suites over 200 seeds each: PAWS360's world under both PAWS360 policies (reports in
# out/), then the second world, worlds/northwind.json, under both of its policies
# (reports in out/northwind/), printing each summary; then the engine benchmark.
# Exit status: the worse of the two `failsim run`s (0 all expectations hold, 1 some
# failed, 2 bad input).
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
echo "== The second world: worlds/northwind.json =="
nw_status=0
./build/release/harness/failsim run scenarios/northwind/*.json \
  --policy scenarios/policies/northwind-gated.json \
  --policy scenarios/policies/northwind-in-job.json \
  --seeds 200 --out out/northwind || nw_status=$?
if [[ $nw_status -gt $status ]]; then status=$nw_status; fi
echo
echo "== Engine benchmark: hold model, events/s (items_per_second) =="
./build/release/bench/failsim_bench --benchmark_filter='Hold/1000$'
exit "$status"
