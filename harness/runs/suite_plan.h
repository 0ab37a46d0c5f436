// A suite's plan: every document a `failsim run` (or merge, or replay) needs, loaded and
// checked once, before anything runs, into one immutable value that the run then
// executes and the reports read. plan_suite reads each file once (a DocumentScope,
// harness/inputs/documents.h) and records what it read, so the outputs are checked
// against the inputs and the secrets are redacted without loading anything again.
//
// The plan: the variants (each --set / --variant / --sweep point with its overrides and
// expectations); per variant, its scenarios and policies with their expectations; the
// SLO sets; the rows, one per (variant, scenario, policy) with its rules, expectations
// and SLO set; and the block of seeds this process runs (a shard's, or all). Every
// check that used to fail mid-run fails here: two scenarios or policies with one name,
// an expectation key that names nothing, a policy that cannot deploy in the world.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "failover/policy.h"
#include "failover/result.h"
#include "harness/inputs/overrides.h"
#include "harness/inputs/scenario.h"
#include "harness/runs/run.h"
#include "harness/runs/suite.h"
#include "reports/report.h"
#include "sim/prometheus/rules.h"

namespace failsim::harness {

// One variant as run: its label, overrides, extra expectations and sweep point.
struct PlannedVariant {
  std::string label;
  std::string name;  // the --variant name, without the sweep point
  std::string file;  // the variants file it came from, or ""
  std::vector<std::string> set_texts;
  std::vector<std::string> own_sets;  // set_texts without the variant's own (a file variant's come with the file)
  std::vector<Override> overrides;
  std::map<std::string, Expectations> expect;  // by scenario name or "*"
  std::vector<std::pair<std::string, std::string>> point;
};

// Everything one variant loaded: its scenarios and policies with its overrides.
struct VariantDocuments {
  std::vector<Scenario> scenarios;
  std::vector<failover::Policy> policies;
  std::vector<std::string> policy_paths;                           // each policy's file
  std::vector<std::map<std::string, Expectations>> policy_expect;  // each policy file's, by scenario name
};

// One row of the report: a scenario under a policy in a variant, over the seeds.
struct PlannedRow {
  std::size_t variant = 0;
  std::size_t scenario = 0;  // in documents[variant].scenarios
  std::size_t policy = 0;    // in documents[variant].policies
  std::vector<sim::prometheus::RuleGroupSpec> rules;
  std::optional<Expectations> expect;
  std::string slo_set;  // a key of slo_sets
};

struct SuitePlan {
  SuiteOptions options;  // as given
  std::uint64_t first_seed = 1;  // this process's block of seeds (a shard's, or all)
  std::size_t seeds = 1;
  std::optional<reports::ShardInfo> shard;
  std::vector<PlannedVariant> variants;
  std::vector<VariantDocuments> documents;  // one per variant
  std::map<std::string, reports::SloSet> slo_sets;  // by file ("built-in" for the built-in set)
  std::vector<PlannedRow> rows;
  std::vector<std::string> inputs;   // every file the plan read, in the order it read them
  std::vector<std::string> secrets;  // the scenarios' secrets ("" left out)

  const Scenario& scenario_of(const PlannedRow& row) const { return documents[row.variant].scenarios[row.scenario]; }
  const failover::Policy& policy_of(const PlannedRow& row) const { return documents[row.variant].policies[row.policy]; }
  const reports::SloSet& slos_of(const PlannedRow& row) const { return slo_sets.at(row.slo_set); }
  // What run_scenario takes for one seed of the row (pointers into this plan).
  RunInputs inputs_of(const PlannedRow& row) const;
};

Result<SuitePlan> plan_suite(const SuiteOptions& options);

// Every run of the plan (or, for failsim merge, the shards' runs), then the report: one
// row per planned row, with its aggregate, verdicts and timeline trace.
Result<reports::SuiteReport> run_plan(const SuitePlan& plan, std::ostream& progress);

}  // namespace failsim::harness
