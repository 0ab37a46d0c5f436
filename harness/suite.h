// `failsim run`: every scenario under every chosen policy over seeds S..S+N-1, on J
// threads; results are placed by (scenario, policy, seed), so the output does not
// depend on the thread count. Writes results.json, junit.xml and summary.md into the
// output directory, each atomically (a temporary file renamed into place). Before
// writing, every output is scanned for the scenarios' secrets: a leak marks the
// no_secret_in_output invariant false and the secret is redacted.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "reports/report.h"

namespace failsim::harness {

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
};

// Loads and validates every input first: a bad file stops everything before any run.
Result<reports::SuiteReport> run_suite(const SuiteOptions& options, std::ostream& progress);
Result<bool> write_reports(const reports::SuiteReport& suite, const std::string& out_dir,
                           const std::vector<std::string>& secrets);
// Writes `text` to `path` via a temporary file and a rename.
Result<bool> write_atomically(const std::string& path, const std::string& text);

}  // namespace failsim::harness
