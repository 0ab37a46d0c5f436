// `failsim replay SCENARIO --seed N [options]`: one seed again, with its trace
// (harness/runs/run_command.h).
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/runs/run_command.h"

namespace failsim::harness::cli {

Subcommand add_replay(CLI::App& app) {
  auto o = std::make_shared<ReplayCommandOptions>();
  auto* replay = app.add_subcommand("replay", "Rerun one seed and write its event trace (Chrome trace format)");
  replay->add_option("scenario", o->scenario, "Scenario file")->required()->check(CLI::ExistingFile);
  replay->add_option("--seed", o->seed, "Seed")->required()->check(kSeed);
  replay->add_option("--policy", o->policy, "Policy file (default: the scenario's)")->check(CLI::ExistingFile);
  replay->add_option("--trace", o->trace, "Trace output file")->capture_default_str();
  replay->add_option("--set", o->sets, "PATH=VALUE: change a world, scenario, policy or rule field (repeatable)");
  replay->add_option("--rules", o->rules, "Rule file overriding the policy's and scenario's own")->check(CLI::ExistingFile);
  replay->add_option("--variants", o->variants_file, "A variants file: replay the variant --variant names")
      ->check(CLI::ExistingFile);
  replay->add_option("--variant", o->variant_args, "NAME (with --variants) or NAME:PATH=VALUE, as failsim run takes it");
  return {replay, [o] { return replay_command(*o, std::cout, std::cerr); }};
}

}  // namespace failsim::harness::cli
