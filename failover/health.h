// Health assessment of one candidate runner from query outcomes.
//
// plan_checks() lists the queries to run for a candidate (the policy's preflight then
// gate checks, with ${hostname}, ${instance} and ${name} filled in); the caller runs
// them and hands the outcomes, in the same order, to assess(). What each outcome means
// is the policy's decision:
//   value satisfying `pass_if threshold`      -> pass
//   value not satisfying it                   -> on_mismatch
//   success with no series                    -> on_empty
//   no answer (unreachable, 5xx, bad body...) -> on_error
// A runner is healthy when no check's verdict is "fail". "warn" passes with a warning;
// "ignore" passes silently. Every verdict other than a silent pass carries a reason in
// plain words, so a report can say why.
//
// Pure: no I/O, no clock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "failover/policy.h"
#include "failover/query.h"

namespace failsim::failover {

struct PlannedCheck {
  std::string stage;  // "preflight" or "gate"
  const HealthCheck* check = nullptr;
  std::string query;  // with placeholders filled in ("" for a command check)
  std::vector<std::string> argv;  // a command check's, with placeholders filled in
  std::string runner;             // the runner it is about (RUNNER_NAME of a command)
};

struct CheckResult {
  std::string stage;
  std::string name;
  std::string query;
  QueryOutcome outcome;
  Verdict verdict = Verdict::kPass;
  std::string reason;  // empty for a plain pass
};

struct Assessment {
  std::string candidate;
  bool healthy = false;
  std::vector<std::string> reasons;   // why it is unhealthy (the failing checks)
  std::vector<std::string> warnings;  // checks that passed with a warning
  std::vector<CheckResult> checks;
};

// `hostname` is the candidate's hostname, or for an in-job gate the hostname of the
// runner the job landed on.
// `runner` is the runner the checks are about: "" for the candidate's own (its name),
// or for an in-job gate the runner the job landed on.
std::vector<PlannedCheck> plan_checks(const Policy& policy, const Candidate& candidate,
                                      std::string_view hostname, std::string_view runner = "");

// REQUIRES: outcomes.size() == plan.size().
Assessment assess(const Candidate& candidate, const std::vector<PlannedCheck>& plan,
                  const std::vector<QueryOutcome>& outcomes);

// Fills ${hostname}, ${instance} and ${name} in a query template.
std::string fill_placeholders(std::string_view query_template, const Candidate& candidate,
                              std::string_view hostname, std::string_view runner = "");

}  // namespace failsim::failover
