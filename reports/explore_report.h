// The report of one `failsim explore` (harness/runs/explore.h) as plain data, and its two
// human-readable forms: explore.md and a self-contained explore.html (no scripts, no
// external resources). Both say the same: oracles, findings by oracle and minimal shape
// (each with its violation, minimal schedule, replay command and timeline), coverage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace failsim::reports {

struct ExploreFinding {
  std::string policy, oracle, shape;
  long failing_runs = 0;
  int fails_of_ten = 0;        // of seeds 1..10
  std::string scenario_file;   // relative to the output directory
  std::string detail;          // the violation
  int shrink_runs = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> drawn_shapes;
  std::vector<std::string> minimal;  // faults and deploys, one line each
  std::string replay;                // the command
  bool verified = false;             // the written scenario reproduced it
  std::vector<std::string> timeline;
};

struct ExploreCount {
  std::string policy, what, target;  // target: "" for model states
  long runs = 0;
};

struct ExploreReport {
  std::string input, budget;
  std::uint64_t seed = 0;
  long schedules = 0, runs = 0;
  std::size_t policies = 0;
  std::vector<std::pair<std::string, std::string>> oracles;  // name, statement ("" for invariants)
  std::vector<ExploreFinding> findings;
  std::vector<std::string> excluded;  // what no fault targeted, and why (harness/runs/explore.h explore_exclusions)
  std::vector<ExploreCount> fault_coverage;  // kind x target
  std::vector<ExploreCount> state_coverage;  // model states reached
};

std::string explore_markdown(const ExploreReport& r);
std::string explore_html(const ExploreReport& r);

}  // namespace failsim::reports
