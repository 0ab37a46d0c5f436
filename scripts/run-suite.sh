#!/usr/bin/env bash
# The main job: installs what is missing, builds (release), runs the shipped scenario
# suites over 200 seeds each: PAWS360's world under both PAWS360 policies (reports in
# out/), then the second world, worlds/northwind.json, under both of its policies
# (reports in out/northwind/), printing each summary; then alert quality over 1,000 quiet
# weeks of each world (failsim alerts, reports in out/alerts/); then the engine benchmark
# beside a simulated week's.
# Exit status: the worst of the three commands (0 all expectations hold, 1 some failed,
# 2 bad input).
#
# --installed: on a machine with failsim installed (failsim_VERSION_amd64.deb) and only
# the runtime libraries (install-deps.sh --runtime): no build, no benchmark; the
# failsim on PATH runs this checkout's scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == --installed ]]; then
  bash scripts/install-deps.sh --runtime
  failsim=$(command -v failsim) || { echo "run-suite: --installed: no failsim on PATH (dpkg -i failsim_*.deb)" >&2; exit 2; }
  bench=""
else
  bash scripts/install-deps.sh
  cmake --preset release
  cmake --build --preset release -j "$(nproc)"
  failsim=./build/release/harness/failsim
  bench=./build/release/bench/failsim_bench
fi
echo
status=0
"$failsim" run scenarios/*.json \
  --policy scenarios/policies/paws360-as-built.json \
  --policy scenarios/policies/health-gated-failover.json \
  --seeds 200 --out out || status=$?
echo
echo "== The second world: worlds/northwind.json =="
nw_status=0
"$failsim" run scenarios/northwind/*.json \
  --policy scenarios/policies/northwind-gated.json \
  --policy scenarios/policies/northwind-in-job.json \
  --seeds 200 --out out/northwind || nw_status=$?
if [[ $nw_status -gt $status ]]; then status=$nw_status; fi
echo
echo "== Alert quality: 1,000 quiet weeks of each world (docs/alerts.md) =="
alerts_status=0
"$failsim" alerts scenarios/quiet-weeks/*.json --seeds 1000 --out out/alerts || alerts_status=$?
if [[ $alerts_status -gt $status ]]; then status=$alerts_status; fi
if [[ -n $bench ]]; then
  echo
  echo "== Benchmarks: the engine's hold model (events/s, items_per_second) and a simulated week =="
  "$bench" --benchmark_filter='Hold/1000$|WorldSimulatedWeek'
fi
exit "$status"
