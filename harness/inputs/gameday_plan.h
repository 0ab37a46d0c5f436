// Game-day plans: a scenario's world and policy, timed injections and deploys, and
// checkpoints (harness/inputs/checkpoint.h) that end as a scorecard. A plan file is read
// wherever a scenario file is (failsim run, replay, serve, gameday): the base scenario
// it names, with the plan's steps laid out as its schedule and its checkpoints judged
// after the run, so a dry run under `failsim run` and the live `failsim gameday` judge
// the same plan the same way. Format (scenarios/README.md, "Game-day plans";
// scenarios/schema/gameday-plan.schema.json):
//
//   {"plan_version": 1, "name", "description"?,
//    "scenario": "../healthy-primary.json",     // the world, policy and timings
//    "workload": "plan" | "scenario",           // default plan: the scenario's own deploys,
//                                               //   faults and expectations are left out
//    "run_length"?: "40m",                      // default: the scenario's
//    "steps": [{"at": "2m", "inject": FAULT},   // FAULT in the scenario format, no `at`
//              {"at": "8m", "deploy": "v1.3.0"}],
//    "checkpoints": [CHECKPOINT...]}            // at least one
#pragma once

#include <string>
#include <vector>

#include "failover/result.h"
#include "harness/inputs/overrides.h"
#include "harness/inputs/scenario.h"

namespace failsim::harness {

// True when the JSON text is a plan (has "plan_version" at the top).
bool is_plan_text(const std::string& json_text);

// The plan as the scenario it runs (Scenario::checkpoints filled, `file` the plan's).
// Overrides (--set) apply to the base scenario and its world. Errors name the plan
// file and the field, or the base scenario's.
Result<Scenario> parse_plan(const std::string& json_text, const std::string& source, const std::vector<Override>& overrides);

}  // namespace failsim::harness
