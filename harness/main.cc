// failsim: the command line. Exit codes: 0 success, 1 a check failed, 2 usage or input error.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <iostream>
#include <optional>
#include <string>

#include "failover/duration.h"
#include "failover/utf8.h"
#include "harness/demo.h"
#include "harness/explore.h"
#include "harness/command_checks.h"
#include "harness/gate.h"
#include "harness/import_command.h"
#include "harness/inputs.h"
#include "harness/schedule_command.h"
#include "harness/text_file.h"
#include "harness/world_file.h"
#include "harness/run.h"
#include "fakes/wire_format.h"
#include "harness/serve.h"
#include "harness/run_command.h"
#include "harness/slo_file.h"
#include "harness/suite.h"
#include "reports/report.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace {

using failsim::harness::PrometheusImportOptions;

int run_demo_command(std::uint64_t seed) {
  failsim::harness::DemoOptions options;
  options.seed = seed;
  const auto result = failsim::harness::run_demo(options);
  std::cout << "failsim demo (seed " << seed << "): Prometheus scrapes serotonin:9102 every "
            << failsim::format_duration(options.scrape_interval) << " (timeout "
            << failsim::format_duration(options.scrape_timeout) << "); alerts evaluated every "
            << failsim::format_duration(options.evaluation_interval) << " with for: "
            << failsim::format_duration(options.alert_for) << "\n\n"
            << result.timeline << "\n";
  const auto fault = options.fault_start;
  if (result.up_alert_firing) {
    std::cout << "detection: the alert on `up == 0` fired "
              << failsim::format_duration(*result.up_alert_firing - fault)
              << " after the fault started\n";
  } else {
    std::cout << "detection: the alert on `up == 0` never fired\n";
  }
  std::cout << "the documented alert `runner_status == 0` "
            << (result.status_alert_firing ? "fired" : "never fired: a failed scrape makes the series vanish, it does not read 0")
            << "\n"
            << "(" << result.events << " simulated events)\n";
  return 0;
}


// failsim validate: worlds, scenarios, policies and rule files, without running
// anything. A scenario is checked with everything it references (its world, its policy
// or the policies given alongside it, their rule files), as a run would load it.
int validate_command(const std::vector<std::string>& files) {
  int bad = 0;
  std::vector<std::string> policy_files;
  for (const auto& f : files) {
    const auto text = failsim::harness::read_text_file(f);
    if (text && text->find("\"policy_version\"") != std::string::npos) policy_files.push_back(f);
  }
  for (const auto& f : files) {
    const auto read = failsim::harness::read_input_file(f);
    if (!read) {
      std::cerr << f << ": cannot read (" << read.error() << ")\n";
      ++bad;
      continue;
    }
    const std::string& text = read.value();
    std::string error;
    std::string kind;
    std::string note;
    const std::string ext = std::filesystem::path(f).extension().string();
    if (ext == ".yml" || ext == ".yaml") {
      kind = "rule file";
      auto r = failsim::sim::prometheus::parse_rule_file(text, f);
      if (!r) error = r.error();
    } else if (text.find("\"world_version\"") != std::string::npos) {
      kind = "world";
      auto r = failsim::harness::parse_world(text, f);
      if (!r) {
        error = r.error();
      } else {
        for (const auto& u : r.value().unconfirmed) note += (note.empty() ? "; UNCONFIRMED timings: " : ", ") + u.name + "=" + u.value;
      }
    } else if (text.find("\"slo_version\"") != std::string::npos) {
      kind = "SLO file";
      auto r = failsim::harness::parse_slo_file(text, f);
      if (!r) error = r.error();
    } else if (text.find("\"variants\"") != std::string::npos && text.find("\"scenario_version\"") == std::string::npos) {
      kind = "variants file";
      auto r = failsim::harness::load_variants_file(f);
      if (!r) {
        error = r.error();
      } else {
        for (const auto& v : r.value()) {
          auto o = failsim::harness::parse_overrides(v.sets);
          if (!o) error = f + ": variant " + v.name + ": " + o.error();
        }
      }
    } else if (text.find("\"policy_version\"") != std::string::npos) {
      kind = "policy";
      auto r = failsim::harness::load_policy_file(f, f, {});
      if (!r) {
        error = r.error();
      } else if (auto q = failsim::harness::check_policy_queries(r.value(), f); !q) {
        error = q.error();
      }
    } else {
      kind = "scenario";
      const std::vector<std::string> policies = policy_files.empty() ? std::vector<std::string>{""} : policy_files;
      std::vector<std::string> names;
      std::optional<failsim::harness::Scenario> scenario;
      for (const auto& p : policies) {
        auto r = failsim::harness::load_run(f, p, "", /*check_keys=*/false);
        if (!r) {
          error = r.error();
          break;
        }
        names.push_back(r.value().policy.name);
        scenario = r.value().scenario;
      }
      if (error.empty() && scenario) {
        auto keys = failsim::harness::check_expect_keys(*scenario, names);
        if (!keys) error = keys.error();
      }
    }
    if (error.empty()) {
      std::cout << f << ": ok (" << kind << note << ")\n";
    } else {
      std::cerr << error << "\n";
      ++bad;
    }
  }
  return bad == 0 ? 0 : 2;
}

}  // namespace

// A seed is an integer >= 0; "-1" would otherwise wrap to 2^64-1.
const CLI::Validator kSeed(
    [](std::string& value) -> std::string {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        return "expected a seed (an integer >= 0), got " + value;
      }
      try {
        (void)std::stoull(value);
      } catch (const std::out_of_range&) {
        return "expected a seed of at most 18446744073709551615, got " + value;
      }
      return "";
    },
    "SEED", "seed");

namespace {

int run_main(int argc, char** argv) {
  // Every argument ends up in JSON (reports, worlds, traces), which must be UTF-8.
  for (int i = 1; i < argc; ++i) {
    if (const auto bad = failsim::utf8_error(argv[i])) {
      std::cerr << "failsim: argument " << i << ": " << bad->substr(bad->find(", ") + 2)
                << "; failsim takes UTF-8 arguments (names, paths, --set values)\n";
      return 2;
    }
  }
  CLI::App app{"failsim: a deterministic simulator and test harness for CI runner failover"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("failsim ") + FAILSIM_VERSION);

  std::uint64_t seed = 1;
  auto* demo = app.add_subcommand("demo", "Run the built-in demo scenario and print its timeline");
  demo->add_option("--seed", seed, "Seed of the run")->capture_default_str()->check(kSeed);

  failsim::harness::GateOptions gate_options;
  std::string gate_timeout = "5s";
  auto* gate = app.add_subcommand(
      "gate", "Run the production health gate against Prometheus and print the chosen target as JSON");
  gate->add_option("--policy", gate_options.policy_path, "Policy file (JSON)")->required();
  gate->add_option("--prometheus", gate_options.prometheus_url, "Prometheus base URL, e.g. http://127.0.0.1:9090")
      ->required();
  gate->add_option("--timeout", gate_timeout, "Connect and read timeout per query (Prometheus-style duration)")
      ->capture_default_str();
  gate->add_option("--hostname", gate_options.hostname,
                   "Hostname for an in-job gate (default: this machine's hostname)");
  gate->add_option("--command", gate_options.command,
                   "ARG...: one more gate check, this command (exit 0 passes); ${runner}, ${hostname}, ${instance} and "
                   "${name} are filled per candidate. Arguments that begin with - go after -- instead")
      ->expected(1, -1);
  std::vector<std::string> gate_command_after_dashes;
  gate->add_option("command", gate_command_after_dashes, "-- ARG...: the same as --command ARG..., for any arguments");

  failsim::harness::RunCommandOptions run_options;
  failsim::harness::SuiteOptions& suite = run_options.suite;
  auto* run = app.add_subcommand("run", "Run scenarios over many seeds and write results.json, junit.xml, summary.md");
  run->add_option("scenarios", suite.scenario_paths, "Scenario files")->required()->check(CLI::ExistingFile);
  run->add_option("--policy", suite.policy_paths, "Policy file(s); default: each scenario's own")->check(CLI::ExistingFile);
  run->add_option("--seeds", suite.seeds, "Number of seeds")->capture_default_str()->check(CLI::Range(1, 1000000));
  run->add_option("--seed", suite.first_seed, "First seed")->capture_default_str()->check(kSeed);
  run->add_option("--jobs", suite.jobs, "Threads (default: all cores)")->check(CLI::Range(0, 256));
  run->add_option("--out", suite.out_dir, "Output directory")->capture_default_str();
  run->add_flag("--check-determinism", suite.check_determinism,
                "Run each seed twice and compare the traces (every command check runs as a process); name the first difference");
  bool no_reuse = false;
  run->add_flag("--no-reuse", no_reuse, "Run every command check as a process (no reuse of an earlier call's outcome)");
  run->add_option("--set", run_options.suite.sets,
                  "PATH=VALUE: change a world, scenario, policy or rule field for this run (repeatable)");
  run->add_option("--variant", run_options.variant_args,
                  "NAME[:PATH=VALUE]: run everything again as a variant with this change (repeatable; the same NAME "
                  "accumulates changes)");
  run->add_option("--variants", run_options.variants_file, "A variants file (names, --set changes, expectations)")
      ->check(CLI::ExistingFile);
  run->add_option("--sweep", run_options.sweep_args, "PATH=V1,V2,...: one variant per value (repeatable: cross product)");
  run->add_option("--baseline", run_options.baseline, "A results.json to compare with (writes compare.*)");
  run->add_option("--fail-on", run_options.fail_on,
                  "Exit 1 when a metric got worse beyond this, e.g. detection_p95:+30s,deploy_success:-1%");
  run->add_option("--bootstrap", run_options.bootstrap, "Bootstrap resamples of --baseline's intervals")
      ->capture_default_str()->check(CLI::Range(100, 100000));
  run->add_option("--slos", run_options.suite.slo_path, "SLO file for every scenario (default: each scenario's slo_file)")
      ->check(CLI::ExistingFile);
  run->add_option("--timeline-seed", run_options.suite.timeline_seed, "The seed whose timeline report.html shows")
      ->check(kSeed);
  run->add_option("--rules", suite.rules_path, "Rule file overriding the policies' and scenarios' own")
      ->check(CLI::ExistingFile);
  std::string shard_text;
  run->add_option("--shard", shard_text,
                  "K/N: run only shard K of N (a contiguous block of the seeds; failsim merge combines the shards); "
                  "auto or auto/N: from a Slurm array, a Kubernetes indexed Job or FAILSIM_SHARD");

  failsim::harness::MergeCommandOptions merge_options;
  auto* merge = app.add_subcommand("merge", "Combine the shards of a run (failsim run --shard K/N) into its reports");
  merge->add_option("shards", merge_options.dirs, "Each shard's output directory (or its results.json)")->required();
  merge->add_option("--out", merge_options.out_dir, "Output directory")->capture_default_str();

  std::vector<std::string> validate_files;
  failsim::harness::CompareCommandOptions compare_options;
  auto* compare = app.add_subcommand("compare", "Compare two results.json: differences with 95 % intervals and verdicts");
  compare->add_option("base", compare_options.base, "The baseline results.json")->required()->check(CLI::ExistingFile);
  compare->add_option("new", compare_options.fresh, "The new results.json")->required()->check(CLI::ExistingFile);
  compare->add_option("--out", compare_options.out_dir, "Also write compare.md, compare.json and compare.html here");
  compare->add_option("--fail-on", compare_options.fail_on,
                      "Exit 1 when a metric got worse beyond this, e.g. detection_p95:+30s,deploy_success:-1%");
  compare->add_option("--bootstrap", compare_options.bootstrap, "Bootstrap resamples")
      ->capture_default_str()->check(CLI::Range(100, 100000));
  compare->add_option("--seed", compare_options.seed, "Bootstrap seed")->capture_default_str()->check(kSeed);

  auto* validate = app.add_subcommand("validate", "Check scenarios, policies and rule files without running");
  validate->add_option("files", validate_files, "Files to check")->required();

  failsim::harness::ReplayCommandOptions replay_options;
  auto* replay = app.add_subcommand("replay", "Rerun one seed and write its event trace (Chrome trace format)");
  replay->add_option("scenario", replay_options.scenario, "Scenario file")->required()->check(CLI::ExistingFile);
  replay->add_option("--seed", replay_options.seed, "Seed")->required()->check(kSeed);
  replay->add_option("--policy", replay_options.policy, "Policy file (default: the scenario's)")->check(CLI::ExistingFile);
  replay->add_option("--trace", replay_options.trace, "Trace output file")->capture_default_str();
  replay->add_option("--set", replay_options.sets, "PATH=VALUE: change a world, scenario, policy or rule field (repeatable)");
  replay->add_option("--rules", replay_options.rules, "Rule file overriding the policy's and scenario's own")->check(CLI::ExistingFile);
  replay->add_option("--variants", replay_options.variants_file, "A variants file: replay the variant --variant names")
      ->check(CLI::ExistingFile);
  replay->add_option("--variant", replay_options.variant_args,
                     "NAME (with --variants) or NAME:PATH=VALUE, as failsim run takes it");

  failsim::harness::ImportPrometheusArgs import_prom;
  failsim::harness::ImportWorkflowArgs import_wf;
  std::string import_fqdn;
  std::string import_runners_from;
  std::string import_deploy_job;
  PrometheusImportOptions& prom_options = import_prom.options;
  auto* import_cmd = app.add_subcommand("import", "Turn the files a team already keeps into a world (and an as-built policy)");
  import_cmd->require_subcommand(1);
  auto* import_prom_cmd = import_cmd->add_subcommand(
      "prometheus", "prometheus.yml -> the world's Prometheus part (and, with --runners-from, its runners)");
  import_prom_cmd->add_option("file", import_prom.file, "prometheus.yml")->required()->check(CLI::ExistingFile);
  import_prom_cmd->add_option("--out", prom_options.out_path, "World file to write (default: stdout)");
  import_prom_cmd->add_option("--world", import_prom.world, "World to merge into (default: --out when it exists)");
  import_prom_cmd->add_option("--fqdn", import_fqdn, "The Prometheus server's FQDN (gives Prometheus's own scrape phases)");
  import_prom_cmd->add_option("--server-config", prom_options.server_config_path,
                              "Where the server reads this file, e.g. /etc/prometheus/prometheus.yml (rule-group phases)");
  import_prom_cmd->add_option("--runners-from", import_runners_from, "Make one runner per target of this scrape job");
  import_prom_cmd->add_option("--runner-label", prom_options.runner_labels, "A GitHub label of those runners (repeatable)");
  std::string import_targets;
  import_prom_cmd->add_option("--targets", import_targets,
                              "GET /api/v1/targets of the running server, saved: the targets of any service discovery")
      ->check(CLI::ExistingFile);
  import_prom_cmd->add_option("--prometheus-host", prom_options.prometheus_host, "The Prometheus host's name")
      ->capture_default_str();
  failsim::harness::ImportAlertmanagerArgs import_am;
  auto* import_am_cmd = import_cmd->add_subcommand(
      "alertmanager", "alertmanager.yml (and saved silences) -> the world's Alertmanager: route tree, inhibit rules, silences");
  import_am_cmd->add_option("file", import_am.file, "alertmanager.yml")->required()->check(CLI::ExistingFile);
  import_am_cmd->add_option("--silences", import_am.silences, "GET /api/v2/silences, saved")->check(CLI::ExistingFile);
  import_am_cmd->add_option("--out", import_am.out, "World file to write (default: stdout)");
  import_am_cmd->add_option("--world", import_am.world, "World to merge into (default: --out when it exists)");
  failsim::harness::ImportGitHubArgs import_gh;
  std::vector<std::string> import_branch_policies;
  auto* import_gh_cmd = import_cmd->add_subcommand(
      "github", "GitHub's own answers (saved by gh api --paginate) -> the runners' names, labels and groups, the default "
                "branch and environments");
  import_gh_cmd->add_option("--runners", import_gh.files.runners, "GET /repos/O/R/actions/runners")
      ->required()->check(CLI::ExistingFile);
  import_gh_cmd->add_option("--runner-groups", import_gh.files.runner_groups, "GET /orgs/O/actions/runner-groups")
      ->check(CLI::ExistingFile);
  import_gh_cmd->add_option("--repo", import_gh.files.repo, "GET /repos/O/R")->check(CLI::ExistingFile);
  import_gh_cmd->add_option("--environments", import_gh.files.environments, "GET /repos/O/R/environments")
      ->check(CLI::ExistingFile);
  import_gh_cmd->add_option("--branch-policies", import_branch_policies,
                            "ENV=FILE: GET /repos/O/R/environments/ENV/deployment-branch-policies (repeatable)");
  import_gh_cmd->add_option("--approval-after", import_gh.files.approval_after,
                            "How long required reviewers take to approve a deploy (e.g. 10m)");
  import_gh_cmd->add_option("--out", import_gh.out, "World file to write (default: stdout)");
  import_gh_cmd->add_option("--world", import_gh.world, "World to merge into (default: --out when it exists)");
  auto* import_wf_cmd = import_cmd->add_subcommand(
      "workflow", "A deploy workflow -> the world's GitHub part and the as-built policy");
  import_wf_cmd->add_option("file", import_wf.file, "Workflow YAML, e.g. .github/workflows/deploy.yml")->required()->check(CLI::ExistingFile);
  import_wf_cmd->add_option("--out", import_wf.out, "World file to write (default: stdout)");
  import_wf_cmd->add_option("--world", import_wf.world, "World to merge into (default: --out when it exists)");
  import_wf_cmd->add_option("--deploy-job", import_deploy_job, "The job that deploys (default: environment production)");
  import_wf_cmd->add_option("--repository", import_wf.options.repository, "owner/name")->capture_default_str();
  import_wf_cmd->add_option("--policy-out", import_wf.policy_out, "Write the as-built policy here");
  import_wf_cmd->add_option("--scenario-out", import_wf.scenario_out, "Write a starter scenario here (needs --out and --policy-out)");

  std::string schedule_world;
  auto* schedule = app.add_subcommand(
      "schedule", "Print when the world's Prometheus scrapes each target and evaluates each rule group (phases, JSON)");
  schedule->add_option("world", schedule_world, "World file")->required();

  failsim::harness::ServeOptions serve_options;
  std::string serve_start = "now";
  bool no_live_gate = false;
  // `serve` and `gameday` run one scenario (or plan) live with the same options.
  auto add_live_options = [&](CLI::App* cmd, const char* input, const char* input_help) {
    cmd->add_option(input, serve_options.scenario_path, input_help)->required()->check(CLI::ExistingFile);
    cmd->add_option("--policy", serve_options.policy_path, "Policy file (default: the scenario's)")->check(CLI::ExistingFile);
    cmd->add_option("--set", serve_options.sets, "PATH=VALUE: change a world, scenario, policy or rule field (repeatable)");
    cmd->add_option("--rules", serve_options.rules_path, "Rule file overriding the policy's and scenario's own")
        ->check(CLI::ExistingFile);
    cmd->add_option("--speed", serve_options.speed, "Virtual seconds per wall-clock second")->capture_default_str();
    cmd->add_option("--seed", serve_options.seed, "Seed of the run")->capture_default_str()->check(kSeed);
    cmd->add_option("--start", serve_start,
                    "Virtual clock start: now (the wall clock, default), scenario (the scenario's own, as failsim run), "
                    "or a time (RFC 3339 or Unix seconds)")
        ->capture_default_str();
    cmd->add_option("--listen", serve_options.listen, "Address to serve on (loopback only)")->capture_default_str();
    cmd->add_option("--port-base", serve_options.port_base,
                    "GitHub on PORT, Prometheus PORT+1, proxy control PORT+2, control room and game-day API PORT+3, "
                    "Alertmanager PORT+4, exporters PORT+10.. (0: any free ports)")
        ->capture_default_str();
    cmd->add_option("--out", serve_options.out_dir, "Output directory (reports, endpoints.json, github-token)")
        ->capture_default_str();
    cmd->add_flag("--tls", serve_options.tls, "Serve the GitHub API over HTTPS (self-signed certificate in OUT/tls/)");
    cmd->add_flag("--keep-running", serve_options.keep_running, "After the schedule, keep serving until Ctrl-C");
    cmd->add_flag("--warm-start", serve_options.warm_start,
                  "Run the world ahead in virtual time until every target has been scraped and every rule group "
                  "evaluated twice, before the APIs open");
    cmd->add_flag("--no-live-gate", no_live_gate, "Answer health gates from the model instead of failsim gate over HTTP");
  };
  auto* serve = app.add_subcommand(
      "serve", "Run one scenario live: fake GitHub and Prometheus APIs, runner exporters and chaos proxies on loopback");
  add_live_options(serve, "scenario", "Scenario file (or a game-day plan)");
  serve->add_flag("--no-workload", serve_options.no_workload,
                  "Leave out the scenario's scheduled deploys (and its expectations): deploys come from clients; the "
                  "run lasts its run_length");
  auto* gameday = app.add_subcommand(
      "gameday", "Run a game-day plan live (as failsim serve, with the control room): its injections and deploys on "
                 "schedule, hand faults on top; ends with the plan's scorecard");
  add_live_options(gameday, "plan", "Game-day plan file (scenarios/README.md, \"Game-day plans\")");

  failsim::harness::ExploreOptions explore_options;
  auto* explore = app.add_subcommand(
      "explore", "Search random fault schedules for runs that break an invariant or property; shrink each to a minimal scenario");
  explore->add_option("input", explore_options.input, "A world or a scenario file")->required()->check(CLI::ExistingFile);
  explore->add_option("--policy", explore_options.policy_paths, "Policy file(s) (repeatable)")->required()->check(CLI::ExistingFile);
  explore->add_option("--config", explore_options.config_path, "Explore config (kinds, ranges, properties)")
      ->check(CLI::ExistingFile);
  explore->add_option("--budget", explore_options.budget, "Fault schedules to try (e.g. 20000) or a time (e.g. 2m)")
      ->capture_default_str();
  explore->add_option("--seed", explore_options.seed, "First seed (schedule i uses seed+i)")->capture_default_str()->check(kSeed);
  explore->add_option("--jobs", explore_options.jobs, "Threads (default: all cores)")->check(CLI::Range(0, 256));
  explore->add_option("--out", explore_options.out_dir, "Output directory")->capture_default_str();

  // An unknown first word is a mistyped command, not a stray argument.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string word = argv[1];
    std::string names;
    bool known = false;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      known = known || sub->get_name() == word;
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::cerr << "failsim: unknown subcommand " << word << "; commands: " << names << " (failsim --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (*demo) return run_demo_command(seed);
  if (*merge) return failsim::harness::merge_command(merge_options, std::cout, std::cerr);
  if (*run) {
    if (!shard_text.empty()) {
      auto shard = failsim::harness::parse_shard(shard_text, [](const char* name) { return std::getenv(name); });
      if (!shard) {
        std::cerr << "failsim run: " << shard.error() << "\n";
        return 2;
      }
      run_options.suite.shard = shard.value();
    }
    run_options.suite.progress = isatty(STDERR_FILENO) != 0;
    if (no_reuse) failsim::harness::set_command_memo(false);
    return failsim::harness::run_command(run_options, std::cout, std::cerr);
  }
  if (*explore) {
    explore_options.progress = isatty(STDERR_FILENO) != 0;
    return failsim::harness::explore_command(explore_options, std::cout, std::cerr);
  }
  if (*compare) return failsim::harness::compare_command(compare_options, std::cout, std::cerr);
  if (*validate) return validate_command(validate_files);
  if (*import_prom_cmd) {
    if (!import_fqdn.empty()) prom_options.fqdn = import_fqdn;
    if (!import_runners_from.empty()) prom_options.runners_from_job = import_runners_from;
    if (!import_targets.empty()) {
      const auto text = failsim::harness::read_input_file(import_targets);
      if (!text) {
        std::cerr << "failsim import prometheus: " << import_targets << ": cannot read: " << text.error() << "\n";
        return 2;
      }
      prom_options.targets_text = text.value();
      prom_options.targets_file = import_targets;
    }
    return failsim::harness::import_prometheus_command(import_prom, std::cout, std::cerr);
  }
  if (*import_am_cmd) return failsim::harness::import_alertmanager_command(import_am, std::cout, std::cerr);
  if (*import_gh_cmd) {
    for (const auto& b : import_branch_policies) {
      const auto eq = b.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == b.size()) {
        std::cerr << "failsim import github: --branch-policies " << b << ": expected ENV=FILE\n";
        return 2;
      }
      import_gh.files.branch_policies[b.substr(0, eq)] = b.substr(eq + 1);
    }
    return failsim::harness::import_github_command(import_gh, std::cout, std::cerr);
  }
  if (*import_wf_cmd) {
    if (!import_deploy_job.empty()) import_wf.options.deploy_job = import_deploy_job;
    return failsim::harness::import_workflow_command(import_wf, std::cout, std::cerr);
  }
  if (*schedule) {
    auto world = failsim::harness::load_world(schedule_world);
    if (!world) {
      std::cerr << "failsim schedule: " << world.error() << "\n";
      return 2;
    }
    auto s = failsim::harness::world_schedule(world.value());
    if (!s) {
      std::cerr << "failsim schedule: " << s.error() << "\n";
      return 2;
    }
    std::cout << s.value().dump(2) << "\n";
    return 0;
  }
  if (*replay) return failsim::harness::replay_command(replay_options, std::cout, std::cerr);
  if (*serve || *gameday) {
    serve_options.live_gate = !no_live_gate;
    serve_options.command = gameday->parsed() ? "failsim gameday" : "failsim serve";
    serve_options.plan_required = gameday->parsed();
    if (serve_start == "now") {
      serve_options.start = failsim::TimePoint(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()));
    } else if (serve_start != "scenario") {
      auto t = failsim::fakes::parse_api_time(serve_start);
      if (!t) {
        std::cerr << serve_options.command << ": --start " << serve_start << ": " << t.error() << "\n";
        return 2;
      }
      serve_options.start = failsim::TimePoint(std::chrono::milliseconds(t.value()));
    }
    return failsim::harness::run_serve(serve_options, std::cout, std::cerr).exit_code;
  }
  if (*gate) {
    const auto timeout = failsim::parse_duration(gate_timeout);
    if (!timeout) {
      std::cerr << "failsim gate: --timeout: " << timeout.error() << "\n";
      return 2;
    }
    gate_options.timeout = timeout.value();
    if (!gate_command_after_dashes.empty()) {
      if (!gate_options.command.empty()) {
        std::cerr << "failsim gate: give the command once: --command ARG... or -- ARG...\n";
        return 2;
      }
      gate_options.command = gate_command_after_dashes;
    }
    if (const char* gh = std::getenv("GITHUB_OUTPUT"); gh != nullptr && *gh != '\0') gate_options.github_output = gh;
    return failsim::harness::run_gate(gate_options, std::cout, std::cerr);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Every input error is reported where it is found (exit 2). An exception that gets
  // here is failsim's own defect: said as one, with a distinct exit code, never an abort
  // that leaves a half-written report (reports are written atomically, harness/suite.h).
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "failsim: internal error: " << e.what() << " (a failsim defect: please report it with the command)\n";
  } catch (...) {
    std::cerr << "failsim: internal error (a failsim defect: please report it with the command)\n";
  }
  return 70;  // EX_SOFTWARE
}
