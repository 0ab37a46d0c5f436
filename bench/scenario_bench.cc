// Seeds per second of the `failover` scenario under the health-gated policy: one
// iteration = one complete run (world, faults, the real failover logic, measurements,
// invariants), single-threaded.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "failover/policy.h"
#include "harness/runs/run.h"
#include "harness/inputs/scenario.h"

namespace {

void BM_FailoverScenarioSeeds(benchmark::State& state) {
  const std::string dir = std::string(FAILSIM_SOURCE_DIR) + "/scenarios/";
  auto scenario = failsim::harness::load_scenario(dir + "failover.json");
  std::ifstream in(dir + "policies/health-gated-failover.json");
  std::stringstream text;
  text << in.rdbuf();
  auto policy = failsim::failover::parse_policy(text.str(), "health-gated-failover.json");
  auto rules = failsim::sim::prometheus::load_rule_file(dir + "rules/runner-up-corrected.yml");
  if (!scenario || !policy || !rules) {
    state.SkipWithError("cannot load the scenario, policy or rules");
    return;
  }
  const failsim::harness::RunInputs inputs{&scenario.value(), &policy.value(), &rules.value()};
  std::uint64_t seed = 1;
  std::size_t deployed = 0;
  for (auto _ : state) {
    const auto r = failsim::harness::run_scenario(inputs, seed++);
    deployed += r.outcome == "deployed";
  }
  if (deployed != static_cast<std::size_t>(state.iterations())) state.SkipWithError("a run did not deploy");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FailoverScenarioSeeds)->Unit(benchmark::kMillisecond);

}  // namespace
