// `failsim explore WORLD-OR-SCENARIO --policy FILE ...`: a search of the fault space
// (harness/runs/explore.h).
#include <iostream>
#include <memory>
#include <unistd.h>

#include "harness/cli/commands.h"
#include "harness/runs/explore.h"

namespace failsim::harness::cli {

Subcommand add_explore(CLI::App& app) {
  auto o = std::make_shared<ExploreOptions>();
  auto* explore = app.add_subcommand(
      "explore", "Search random fault schedules for runs that break an invariant or property; shrink each to a minimal scenario");
  explore->add_option("input", o->input, "A world or a scenario file")->required()->check(CLI::ExistingFile);
  explore->add_option("--policy", o->policy_paths, "Policy file(s) (repeatable)")->required()->check(CLI::ExistingFile);
  explore->add_option("--config", o->config_path, "Explore config (kinds, ranges, properties)")->check(CLI::ExistingFile);
  explore->add_option("--budget", o->budget, "Fault schedules to try (e.g. 20000) or a time (e.g. 2m)")->capture_default_str();
  explore->add_option("--seed", o->seed, "First seed (schedule i uses seed+i)")->capture_default_str()->check(kSeed);
  explore->add_option("--jobs", o->jobs, "Threads (default: all cores)")->check(CLI::Range(0, 256));
  explore->add_option("--out", o->out_dir, "Output directory")->capture_default_str();
  return {explore, [o] {
            o->progress = isatty(STDERR_FILENO) != 0;
            return explore_command(*o, std::cout, std::cerr);
          }};
}

}  // namespace failsim::harness::cli
