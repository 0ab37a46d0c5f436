// Loads what one run needs from files: the scenario, the policy (the scenario's own
// unless overridden) and the rule file (override > scenario's > policy's rule_file,
// relative to the policy). Errors name the file and what is wrong.
#pragma once

#include <string>
#include <vector>

#include "failover/policy.h"
#include "failover/result.h"
#include "harness/scenario.h"
#include "sim/prometheus/rules.h"

namespace failsim::harness {

struct LoadedRun {
  Scenario scenario;
  failover::Policy policy;
  std::string policy_path;
  std::vector<sim::prometheus::RuleGroupSpec> rules;
};

Result<LoadedRun> load_run(const std::string& scenario_path, const std::string& policy_override,
                           const std::string& rules_override);

}  // namespace failsim::harness
