// `failsim export promtool SCENARIO --seed N --out DIR`: a simulated run as `promtool test
// rules` files (harness/runs/promtool_export.h).
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/runs/promtool_export.h"

namespace failsim::harness::cli {

Subcommand add_export(CLI::App& app) {
  auto o = std::make_shared<PromtoolExportOptions>();
  auto* exp = app.add_subcommand("export", "Export a simulated run for other tools");
  exp->require_subcommand(1);
  auto* promtool = exp->add_subcommand("promtool", "Write promtool test rules files: the scrapes as input_series, the alerts failsim saw as alert_rule_tests");
  promtool->add_option("scenario", o->scenario, "Scenario file")->required()->check(CLI::ExistingFile);
  promtool->add_option("--seed", o->seed, "The seed to export")->capture_default_str()->check(kSeed);
  promtool->add_option("--out", o->out_dir, "Directory for the test files")->required();
  promtool->add_option("--policy", o->policy, "Policy file (default: the scenario's)")->check(CLI::ExistingFile);
  promtool->add_option("--rules", o->rules, "Rule file overriding the policy's and scenario's own")->check(CLI::ExistingFile);
  promtool->add_option("--set", o->sets, "PATH=VALUE: change a world or scenario field (repeatable; not the rules)");
  return {exp, [o] { return export_promtool_command(*o, std::cout, std::cerr); }};
}

}  // namespace failsim::harness::cli
