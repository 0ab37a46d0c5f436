#include "harness/inputs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace failsim::harness {

Result<LoadedRun> load_run(const std::string& scenario_path, const std::string& policy_override,
                           const std::string& rules_override) {
  using R = Result<LoadedRun>;
  auto scenario = load_scenario(scenario_path);
  if (!scenario) return R::error(scenario.error());
  LoadedRun run{scenario.value(), {}, policy_override.empty() ? scenario.value().policy_path : policy_override, {}};
  std::ifstream in(run.policy_path);
  if (!in) return R::error(run.policy_path + ": cannot read the policy file");
  std::stringstream text;
  text << in.rdbuf();
  auto policy = failover::parse_policy(text.str(), run.policy_path);
  if (!policy) return R::error(policy.error());
  run.policy = policy.value();
  const std::string rule_path =
      !rules_override.empty()
          ? rules_override
          : run.scenario.rules_path.value_or(
                (std::filesystem::path(run.policy_path).parent_path() / run.policy.rule_file).lexically_normal().string());
  if (!run.policy.rule_file.empty() || run.scenario.rules_path || !rules_override.empty()) {
    auto loaded = sim::prometheus::load_rule_file(rule_path);
    if (!loaded) return R::error(loaded.error());
    run.rules = loaded.value();
  }
  return R::ok(std::move(run));
}

}  // namespace failsim::harness
