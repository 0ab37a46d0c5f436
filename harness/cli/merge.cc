// `failsim merge DIR... [--out DIR]`: a sharded run's reports (harness/runs/run_command.h).
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/runs/run_command.h"

namespace failsim::harness::cli {

Subcommand add_merge(CLI::App& app) {
  auto o = std::make_shared<MergeCommandOptions>();
  auto* merge = app.add_subcommand("merge", "Combine the shards of a run (failsim run --shard K/N) into its reports");
  merge->add_option("shards", o->dirs, "Each shard's output directory (or its results.json)")->required();
  merge->add_option("--out", o->out_dir, "Output directory")->capture_default_str();
  return {merge, [o] { return merge_command(*o, std::cout, std::cerr); }};
}

}  // namespace failsim::harness::cli
