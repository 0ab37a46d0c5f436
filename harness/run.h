// One scenario run: build the world from the scenario and seed, drive the real
// failover logic (failover/orchestrator.h) against it, apply the faults, measure, and
// check the invariants and expectations. A run is a pure function of
// (scenario, policy, rules, seed): same inputs, byte-identical trace.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/policy.h"
#include "harness/scenario.h"
#include "reports/results.h"
#include "sim/prometheus/rules.h"

namespace failsim::harness {

using reports::DeployResult;
using reports::RunResult;
using reports::TraceEvent;

struct RunInputs {
  const Scenario* scenario;
  const failover::Policy* policy;
  const std::vector<sim::prometheus::RuleGroupSpec>* rules;
};

RunResult run_scenario(const RunInputs& inputs, std::uint64_t seed);


}  // namespace failsim::harness
