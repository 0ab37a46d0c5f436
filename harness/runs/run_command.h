// `failsim run` and `failsim compare` as commands: option checks that must fail before
// any run (a bad --variant, --sweep, --fail-on or baseline file exits 2 at once), the
// suite, the reports (plus sweep.md/sweep.svg for a sweep and compare.md/.json/.html
// with a baseline), the printed summary and the exit code: 0 every expectation holds
// and nothing got worse than --fail-on allows, 1 otherwise, 2 bad input.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "harness/runs/suite.h"

namespace failsim::harness {

// What `failsim run` prints, and the gates on the suite as a whole.
struct ReportView {
  std::string command = "failsim run";  // in messages
  bool alerts_only = false;             // `failsim alerts`: print the alert section, not the summary
  std::optional<double> coverage_floor;  // --fail-on coverage<90%: a fraction
  std::string coverage_text;
};

struct RunCommandOptions {
  SuiteOptions suite;
  std::vector<std::string> variant_args;  // --variant NAME[:PATH=VALUE], repeatable; same NAME accumulates
  std::optional<std::string> variants_file;
  std::vector<std::string> sweep_args;    // --sweep PATH=V1,V2
  std::optional<std::string> baseline;    // a results.json
  std::optional<std::string> fail_on;     // "detection_p95:+30s,deploy_success:-1%"
  int bootstrap = 2000;
  ReportView view;
};

int run_command(RunCommandOptions options, std::ostream& out, std::ostream& err);

// `failsim replay`: one seed of one row, loaded exactly as `failsim run` loads it (the
// scenario's, the policy file's and a file variant's expectations; --set, --rules), so a
// reproduce line from a run's report reproduces its failure: same broken expectations,
// same trace hash. Writes the Chrome trace, prints the timeline, each broken
// expectation and violated invariant, and the outcome. Exit 0 the seed passed, 1 it
// failed, 2 bad input.
struct ReplayCommandOptions {
  std::string scenario;
  std::uint64_t seed = 1;
  std::string policy;  // "": the scenario's
  std::string rules;   // "": the policies' and scenario's own
  std::string trace = "trace.json";
  std::vector<std::string> sets;
  std::optional<std::string> variants_file;
  std::vector<std::string> variant_args;  // with --variants: the variant(s) to take from the file
};

int replay_command(const ReplayCommandOptions& options, std::ostream& out, std::ostream& err);

// `failsim merge DIR...`: the shards of one run (failsim run --shard K/N, each DIR its
// --out) combined into the results.json, junit.xml, summary.md and report.html (and
// sweep files) the unsharded run writes: the shards' runs, the plan they recorded
// (loaded again from the same files, so run it in the same checkout), each row's
// timeline seed re-run for its trace. Every shard 1..N exactly once, one plan, one
// failsim version; otherwise exit 2 naming what is missing or different. Exit 0/1 as
// the unsharded run.
struct MergeCommandOptions {
  std::vector<std::string> dirs;
  std::string out_dir = "failsim-out";
};

int merge_command(const MergeCommandOptions& options, std::ostream& out, std::ostream& err);

struct CompareCommandOptions {
  std::string base, fresh;
  std::optional<std::string> out_dir;  // also write compare.md, compare.json, compare.html
  std::optional<std::string> fail_on;
  int bootstrap = 2000;
  std::uint64_t seed = 1;
};

int compare_command(const CompareCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace failsim::harness
