// `failsim run SCENARIO... [options]`: scenarios over seeds into reports
// (harness/runs/run_command.h says what it writes and its exit codes).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "harness/ci/shard.h"
#include "harness/cli/commands.h"
#include "harness/runs/command_checks.h"
#include "harness/runs/run_command.h"

namespace failsim::harness::cli {

Subcommand add_run(CLI::App& app) {
  struct Args {
    RunCommandOptions options;
    bool no_reuse = false;
    std::string shard;
  };
  auto a = std::make_shared<Args>();
  SuiteOptions& suite = a->options.suite;
  auto* run = app.add_subcommand("run", "Run scenarios over many seeds and write results.json, junit.xml, summary.md");
  run->add_option("scenarios", suite.scenario_paths, "Scenario files")->required()->check(CLI::ExistingFile);
  run->add_option("--policy", suite.policy_paths, "Policy file(s); default: each scenario's own")->check(CLI::ExistingFile);
  run->add_option("--seeds", suite.seeds, "Number of seeds")->capture_default_str()->check(CLI::Range(1, 1000000));
  run->add_option("--seed", suite.first_seed, "First seed")->capture_default_str()->check(kSeed);
  run->add_option("--jobs", suite.jobs, "Threads (default: all cores)")->check(CLI::Range(0, 256));
  run->add_option("--out", suite.out_dir, "Output directory")->capture_default_str();
  run->add_flag("--check-determinism", suite.check_determinism,
                "Run each seed twice and compare the traces (every command check runs as a process); name the first difference");
  run->add_flag("--no-reuse", a->no_reuse, "Run every command check as a process (no reuse of an earlier call's outcome)");
  run->add_option("--set", suite.sets, "PATH=VALUE: change a world, scenario, policy or rule field for this run (repeatable)");
  run->add_option("--variant", a->options.variant_args,
                  "NAME[:PATH=VALUE]: run everything again as a variant with this change (repeatable; the same NAME "
                  "accumulates changes)");
  run->add_option("--variants", a->options.variants_file, "A variants file (names, --set changes, expectations)")
      ->check(CLI::ExistingFile);
  run->add_option("--sweep", a->options.sweep_args, "PATH=V1,V2,...: one variant per value (repeatable: cross product)");
  run->add_option("--baseline", a->options.baseline, "A results.json to compare with (writes compare.*)");
  run->add_option("--fail-on", a->options.fail_on,
                  "Exit 1 when a metric got worse beyond this, e.g. detection_p95:+30s,deploy_success:-1%");
  run->add_option("--bootstrap", a->options.bootstrap, "Bootstrap resamples of --baseline's intervals")
      ->capture_default_str()->check(CLI::Range(100, 100000));
  run->add_option("--slos", suite.slo_path, "SLO file for every scenario (default: each scenario's slo_file)")
      ->check(CLI::ExistingFile);
  run->add_option("--timeline-seed", suite.timeline_seed, "The seed whose timeline report.html shows")->check(kSeed);
  run->add_option("--rules", suite.rules_path, "Rule file overriding the policies' and scenarios' own")->check(CLI::ExistingFile);
  run->add_option("--shard", a->shard,
                  "K/N: run only shard K of N (a contiguous block of the seeds; failsim merge combines the shards); "
                  "auto or auto/N: from a Slurm array, a Kubernetes indexed Job or FAILSIM_SHARD");
  return {run, [a] {
            if (!a->shard.empty()) {
              auto shard = parse_shard(a->shard, [](const char* name) { return std::getenv(name); });
              if (!shard) {
                std::cerr << "failsim run: " << shard.error() << "\n";
                return 2;
              }
              a->options.suite.shard = shard.value();
            }
            a->options.suite.progress = isatty(STDERR_FILENO) != 0;
            if (a->no_reuse) set_command_memo(false);
            return run_command(a->options, std::cout, std::cerr);
          }};
}

}  // namespace failsim::harness::cli
