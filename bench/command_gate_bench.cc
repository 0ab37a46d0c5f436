// Seeds per second of the exporter partition (a deploy at 12m while the monitoring
// host's scrapes of the primary's exporter are dropped) under three gates:
//   builtin            the health-gated policy's own PromQL checks;
//   command            examples/team-gate's bash + curl + jq script as a command check,
//                      with reuse (harness/runs/command_checks.h): a call whose Prometheus
//                      reads get the answers an earlier call got starts no process;
//   command_every_call the same script started for every call (--no-reuse), the cost
//                      of a process and a loopback round trip per call.
// One iteration = one complete run; Threads(2) runs two seeds at once, as `--jobs 2`
// does on these two cores. items_per_second is seeds per second.
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "harness/runs/command_checks.h"
#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/inputs/scenario.h"

namespace {

struct Loaded {
  failsim::harness::Scenario scenario;
  failsim::failover::Policy policy;
  std::vector<failsim::sim::prometheus::RuleGroupSpec> rules;
};

const Loaded* load(const std::string& scenario_path, const std::string& policy_path) {
  auto scenario = failsim::harness::load_scenario(scenario_path);
  auto policy = failsim::harness::load_policy_file(policy_path, "bench", {});
  if (!scenario || !policy) return nullptr;
  const std::string rule_file = (std::filesystem::path(policy.value().base_dir) / policy.value().rule_file).string();
  auto rules = failsim::sim::prometheus::load_rule_file(rule_file);
  if (!rules) return nullptr;
  return new Loaded{scenario.value(), policy.value(), rules.value()};  // kept for the process
}

std::atomic<std::uint64_t> g_seed{1};

void BM_PartitionSeeds(benchmark::State& state, const char* gate) {
  const std::string src = FAILSIM_SOURCE_DIR;
  static const Loaded* builtin = load(src + "/scenarios/serotonin-exporter-partition.json",
                                      src + "/scenarios/policies/health-gated-failover.json");
  static const Loaded* command = load(src + "/examples/team-gate/exporter-partition.json",
                                      src + "/examples/team-gate/policy-fixed.json");
  const Loaded* in = std::string(gate) == "builtin" ? builtin : command;
  if (in == nullptr) {
    state.SkipWithError("cannot load the scenario, policy or rules");
    return;
  }
  failsim::harness::set_command_memo(std::string(gate) != "command_every_call");
  const failsim::harness::RunInputs inputs{&in->scenario, &in->policy, &in->rules};
  std::size_t on_secondary = 0;
  for (auto _ : state) {
    const auto r = failsim::harness::run_scenario(inputs, g_seed++);
    on_secondary += r.outcome == "deployed" && r.runner == "dell-r640-01-runner";
  }
  failsim::harness::set_command_memo(true);
  if (on_secondary != static_cast<std::size_t>(state.iterations())) state.SkipWithError("a run did not fail over to the secondary");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_PartitionSeeds, builtin, "builtin")->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_PartitionSeeds, command, "command")->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_PartitionSeeds, command_every_call, "command_every_call")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(2)->MinTime(2.0);

}  // namespace
