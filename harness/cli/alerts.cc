// `failsim alerts SCENARIO... [options]`: alert quality over many seeds (issue 32). The
// scenarios run as `failsim run` runs them, every run keeping its alert ledger
// (reports/alert_ledger.h); it prints, per rule and route, outages caught, detection
// p50/p95 and false pages per week with intervals, then the coverage, and with --sweep
// the trade-off between detection and false pages (tradeoff.svg). The full reports go to
// --out. Exit 0, 1 when an expectation or a --fail-on gate failed, 2 bad input.
#include <iostream>
#include <memory>
#include <unistd.h>

#include "harness/cli/commands.h"
#include "harness/runs/run_command.h"

namespace failsim::harness::cli {

Subcommand add_alerts(CLI::App& app) {
  auto o = std::make_shared<RunCommandOptions>();
  SuiteOptions& suite = o->suite;
  suite.seeds = 100;
  suite.out_dir = "failsim-alerts";
  auto* cmd = app.add_subcommand("alerts", "Alert quality over many seeds: outages caught, detection, false pages per week, coverage");
  cmd->add_option("scenarios", suite.scenario_paths, "Scenario files (a quiet week: \"with_background\": true)")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--policy", suite.policy_paths, "Policy file(s); default: each scenario's own")->check(CLI::ExistingFile);
  cmd->add_option("--seeds", suite.seeds, "Number of seeds")->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed", suite.first_seed, "First seed")->capture_default_str()->check(kSeed);
  cmd->add_option("--jobs", suite.jobs, "Threads (default: all cores)")->check(CLI::Range(0, 256));
  cmd->add_option("--out", suite.out_dir, "Output directory")->capture_default_str();
  cmd->add_option("--set", suite.sets, "PATH=VALUE: change a world, scenario, policy or rule field (repeatable)");
  cmd->add_option("--sweep", o->sweep_args, "PATH=V1,V2,...: one row per value, e.g. rules.RunnerScrapeDown.for=30s,1m,2m,5m");
  cmd->add_option("--rules", suite.rules_path, "Rule file overriding the policies' and scenarios' own")->check(CLI::ExistingFile);
  cmd->add_option("--baseline", o->baseline, "A results.json to compare with (writes compare.*)");
  cmd->add_option("--fail-on", o->fail_on, "Exit 1 beyond this, e.g. coverage<90% or false_pages_per_week:+0.5 (with --baseline)");
  return {cmd, [o] {
            o->suite.keep_ledger = true;
            o->suite.progress = isatty(STDERR_FILENO) != 0;
            o->view.command = "failsim alerts";
            o->view.alerts_only = true;
            return run_command(*o, std::cout, std::cerr);
          }};
}

}  // namespace failsim::harness::cli
