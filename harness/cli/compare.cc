// `failsim compare BASE NEW [--out DIR] [--fail-on ...]`: two results.json compared
// (reports/compare.h); exit 1 when something got worse than --fail-on allows.
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/runs/run_command.h"

namespace failsim::harness::cli {

Subcommand add_compare(CLI::App& app) {
  auto o = std::make_shared<CompareCommandOptions>();
  auto* compare = app.add_subcommand("compare", "Compare two results.json: differences with 95 % intervals and verdicts");
  compare->add_option("base", o->base, "The baseline results.json")->required()->check(CLI::ExistingFile);
  compare->add_option("new", o->fresh, "The new results.json")->required()->check(CLI::ExistingFile);
  compare->add_option("--out", o->out_dir, "Also write compare.md, compare.json and compare.html here");
  compare->add_option("--fail-on", o->fail_on,
                      "Exit 1 when a metric got worse beyond this, e.g. detection_p95:+30s,deploy_success:-1%");
  compare->add_option("--bootstrap", o->bootstrap, "Bootstrap resamples")->capture_default_str()->check(CLI::Range(100, 100000));
  compare->add_option("--seed", o->seed, "Bootstrap seed")->capture_default_str()->check(kSeed);
  return {compare, [o] { return compare_command(*o, std::cout, std::cerr); }};
}

}  // namespace failsim::harness::cli
