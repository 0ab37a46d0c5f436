// `failsim run`: every scenario under every chosen policy and every variant over seeds
// S..S+N-1, on J threads; results are placed by (variant, scenario, policy, seed), so
// the output does not depend on the thread count. Writes results.json, junit.xml,
// summary.md and report.html (plus sweep.md / sweep.svg for a sweep) into the output
// directory, each atomically (a temporary file renamed into place). Before writing,
// every output is scanned for the scenarios' secrets: a leak marks the
// no_secret_in_output invariant false and the secret is redacted.
//
// Variants: each runs the whole suite with its own --set overrides and label. A sweep
// (--sweep PATH=V1,V2 ...) is the cross product of its values, one variant per point.
// Expectations: a scenario's /expect keys must each name a policy of the run or one of
// the policies beside the scenario's own policy file ("*" for all), and when a scenario
// has expectations every policy of the run must get some: no key matches nothing and
// no policy is silently unchecked. A variant may add or replace expectations per
// scenario (variants file).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "failover/result.h"
#include "harness/ci/shard.h"
#include "harness/runs/report_files.h"
#include "reports/report.h"

namespace failsim::harness {

struct VariantSpec {
  std::string name;
  std::vector<std::string> sets;                  // PATH=VALUE
  std::map<std::string, nlohmann::json> expect;   // by scenario name or "*": an expectations object
  std::string file;                               // the variants file it came from ("" for --variant)
};


struct SuiteOptions {
  std::vector<std::string> scenario_paths;
  std::vector<std::string> policy_paths;  // empty: each scenario's own policy
  std::optional<std::string> rules_path;  // overrides every policy's and scenario's rule file
  std::uint64_t first_seed = 1;
  int seeds = 1;
  int jobs = 0;  // 0: all cores
  std::string out_dir = "failsim-out";
  bool check_determinism = false;
  bool progress = false;  // a progress bar on stderr
  std::vector<std::string> sets;       // --set, applied to every variant
  std::vector<VariantSpec> variants;   // --variant / --variants
  std::vector<std::pair<std::string, std::vector<std::string>>> sweeps;  // --sweep PATH=V1,V2
  std::optional<std::string> slo_path;           // --slos: overrides every scenario's slo_file
  std::optional<std::uint64_t> timeline_seed;    // --timeline-seed
  std::optional<ShardSpec> shard;                // --shard: run only this block of the seeds
  bool keep_ledger = false;  // every run keeps the alert ledger (`failsim alerts`)
  // `failsim merge`: the runs of every row (in the order the plan makes rows), read from
  // the shards; nothing is run but each row's timeline seed (for its trace).
  const std::vector<std::vector<reports::RunResult>>* given_runs = nullptr;
};

// The options that shape a run's results (not --jobs, --out or progress), as JSON, and
// back: a shard records them so `failsim merge` rebuilds the same rows.
nlohmann::json plan_json(const SuiteOptions& options);
Result<SuiteOptions> options_from_plan(const nlohmann::json& plan);

// "NAME:PATH=VALUE" (or "NAME" alone: a variant without changes, e.g. the baseline).
Result<VariantSpec> parse_variant_arg(const std::string& text);
// {"variants": [{"name": ..., "set": {"PATH": VALUE, ...}, "expect": {SCENARIO: {...}}}]}
Result<std::vector<VariantSpec>> load_variants_file(const std::string& path);
// "PATH=V1,V2,V3".
Result<std::pair<std::string, std::vector<std::string>>> parse_sweep_arg(const std::string& text);

// plan_suite then run_plan (harness/runs/suite_plan.h): every input is loaded and
// checked first, once, so a bad file stops everything before any run.
Result<reports::SuiteReport> run_suite(const SuiteOptions& options, std::ostream& progress);

}  // namespace failsim::harness
