// Loads what one run needs from files, and checks that they fit together before
// anything runs: the scenario (and the world it names), the policy (the scenario's own
// unless overridden) and the rules (override > scenario's `rules` > the policy's
// rule_file > the world's rule_files). Errors name the file, the JSON pointer or line,
// the resolved path and the file that referenced it, and the valid choices.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/policy.h"
#include "failover/result.h"
#include "harness/inputs/scenario.h"
#include "sim/prometheus/rules.h"

namespace failsim::harness {

struct LoadedRun {
  Scenario scenario;
  failover::Policy policy;
  std::string policy_path;
  std::vector<sim::prometheus::RuleGroupSpec> rules;
};

// A policy file; `referenced_by` ("scenarios/x.json: /policy") says who named it.
// Every health-check query of the policy (its placeholders filled with sample values)
// parses as PromQL; the error names the file, the JSON pointer and the parse error.
// A command check's program or script that does not exist, as "INDEX: ARG: why"
// (INDEX the argv index); nullopt when both exist. Relative paths: from base_dir.
std::optional<std::string> missing_program(const std::vector<std::string>& argv, const std::string& base_dir);

// The names of the documents of one kind (those with `version_key`, e.g.
// "policy_version") among the JSON files of `dir`, in file-name order: the policies or
// scenarios an `expect` key may name. The files are looked at, not inputs of the command
// (read_unrecorded_file): a trace.json written among them stays writable.
std::vector<std::string> document_names_in(const std::filesystem::path& dir, const char* version_key);

Result<bool> check_policy_queries(const failover::Policy& policy, const std::string& policy_path);

Result<failover::Policy> load_policy_file(const std::string& path, const std::string& referenced_by,
                                          const std::vector<Override>& overrides = {});

// The rule groups a run of `scenario` under `policy` evaluates.
Result<std::vector<sim::prometheus::RuleGroupSpec>> load_rules_for(const Scenario& scenario,
                                                                   const failover::Policy& policy,
                                                                   const std::string& policy_path,
                                                                   const std::optional<std::string>& rules_override,
                                                                   const std::vector<Override>& overrides = {});

// The policy against the scenario's world: every check query parses as PromQL once its
// ${hostname}, ${instance} and ${name} are filled; every named candidate is a runner of
// the world and its instance a scrape target; and check_candidates_runnable.
Result<bool> check_policy_fits(const Scenario& scenario, const failover::Policy& policy, const std::string& policy_path);

// The policy can deploy in the world at all: a before-dispatch policy has an authorized
// candidate; every candidate it may dispatch to (in-job: the first; before-dispatch: the
// authorized ones) has a runner with all its labels in the deploy job's runner group, and
// one of those runners is authorized_for_prod in the world. Else an error naming the
// candidate and the closest runner (world_file.h why_no_runner). `where` heads the message.
Result<bool> check_candidates_runnable(const Scenario& scenario, const failover::Policy& policy, const std::string& where);

// When the scenario has expectations: every `expect` key is "*", a policy of the run or
// a policy beside the scenario's own policy file (those it is written against), and every
// policy of the run has an entry or "*". A typo or a renamed policy is an error, never
// a silently unchecked run.
// `covered`: policies of the run whose expectations for this scenario come from their
// own policy file (or a variant) instead.
Result<bool> check_expect_keys(const Scenario& scenario, const std::vector<std::string>& policy_names,
                               const std::vector<std::string>& covered = {});

// The expectations a policy file carries for scenarios (its `expect`, keyed by scenario
// name or "*"), read from the document as the run loads it (--set applied).
Result<std::map<std::string, Expectations>> load_policy_expectations(const std::string& path,
                                                                     const std::vector<Override>& overrides = {});

// check_keys: also check_expect_keys with this one policy (off when the caller checks
// the keys against several policies itself).
Result<LoadedRun> load_run(const std::string& scenario_path, const std::string& policy_override,
                           const std::string& rules_override, bool check_keys = true,
                           const std::vector<Override>& overrides = {});

}  // namespace failsim::harness
