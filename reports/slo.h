// Service-level objectives as data (scenarios/slos.json; format in scenarios/README.md)
// and their verdicts over a set of runs. Each SLO names one of four fixed metrics,
// whose exact definitions are here and in the file's `definition` texts:
//  - deploy_success_rate: of all runs, the fraction whose newest deploy request landed
//    (outcome "deployed"); met when >= at_least.
//  - deploy_time_p50: the nearest-rank median of deploy time over the runs whose newest
//    request landed, deploy time being that request's trigger -> production running its
//    version (a request queued behind others counts its wait); met when <= at_most.
//    Runs whose deploy did not land are SC-001's business; none landed: not judged.
//  - detection_within: of the runs with a fault that starts the detection clock (the
//    file's detection_clock.fault_kinds; cancel_run is an API action, not a failure),
//    the fraction whose first alert fired within `within` of the first such fault;
//    met when >= at_least. No such fault in the scenario: not applicable.
//  - no_secret_in_output: no run's outputs contained the scenario's secret.
// A scenario may list the SLO ids in scope (`slos`); the others read "out of scope".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/results.h"

namespace failsim::reports {

struct SloSpec {
  std::string id;      // SC-001
  std::string name;    // deploy_success_rate
  std::string metric;  // deploy_success_rate | deploy_time_p50 | detection_within | no_secret_in_output
  double at_least = 0;            // deploy_success_rate, detection_within (fraction)
  double at_most_seconds = 0;     // deploy_time_p50
  double within_seconds = 0;      // detection_within
  std::string definition;
};

struct SloSet {
  std::string source;  // the file, or "built-in"
  std::vector<std::string> clock_fault_kinds;
  std::vector<SloSpec> slos;
};

// SC-001..SC-004 as scenarios/slos.json defines them (a test keeps the two equal).
SloSet builtin_slos();

struct SloVerdict {
  std::string id, name;
  std::string status;     // met | missed | not_judged | not_applicable | out_of_scope
  std::string figure;     // the number it was judged on: "45.0 % (90/200)"
  std::string objective;  // ">= 95 %"
  std::string note;       // why not judged / not applicable
};

// `in_scope`: the scenario's list, or nullopt for all.
std::vector<SloVerdict> judge_slos(const SloSet& set, const std::optional<std::vector<std::string>>& in_scope,
                                   const std::vector<RunResult>& runs);

}  // namespace failsim::reports
