// `failsim import prometheus | alertmanager | github | workflow`: a team's own files
// turned into a world (and an as-built policy); harness/cli/import_command.h.
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/cli/import_command.h"
#include "harness/inputs/text_file.h"

namespace failsim::harness::cli {
namespace {

Subcommand add_import_prometheus(CLI::App& import) {
  struct Args {
    ImportPrometheusArgs args;
    std::string fqdn, runners_from, targets;
  };
  auto a = std::make_shared<Args>();
  PrometheusImportOptions& o = a->args.options;
  auto* cmd = import.add_subcommand("prometheus",
                                    "prometheus.yml -> the world's Prometheus part (and, with --runners-from, its runners)");
  cmd->add_option("file", a->args.file, "prometheus.yml")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", o.out_path, "World file to write (default: stdout)");
  cmd->add_option("--world", a->args.world, "World to merge into (default: --out when it exists)");
  cmd->add_option("--fqdn", a->fqdn, "The Prometheus server's FQDN (gives Prometheus's own scrape phases)");
  cmd->add_option("--server-config", o.server_config_path,
                  "Where the server reads this file, e.g. /etc/prometheus/prometheus.yml (rule-group phases)");
  cmd->add_option("--runners-from", a->runners_from, "Make one runner per target of this scrape job");
  cmd->add_option("--runner-label", o.runner_labels, "A GitHub label of those runners (repeatable)");
  cmd->add_option("--targets", a->targets, "GET /api/v1/targets of the running server, saved: the targets of any service discovery")
      ->check(CLI::ExistingFile);
  cmd->add_option("--prometheus-host", o.prometheus_host, "The Prometheus host's name")->capture_default_str();
  return {cmd, [a] {
            PrometheusImportOptions& o = a->args.options;
            if (!a->fqdn.empty()) o.fqdn = a->fqdn;
            if (!a->runners_from.empty()) o.runners_from_job = a->runners_from;
            if (!a->targets.empty()) {
              const auto text = read_input_file(a->targets);
              if (!text) {
                std::cerr << "failsim import prometheus: " << a->targets << ": cannot read: " << text.error() << "\n";
                return 2;
              }
              o.targets_text = text.value();
              o.targets_file = a->targets;
            }
            return import_prometheus_command(a->args, std::cout, std::cerr);
          }};
}

Subcommand add_import_alertmanager(CLI::App& import) {
  auto a = std::make_shared<ImportAlertmanagerArgs>();
  auto* cmd = import.add_subcommand(
      "alertmanager", "alertmanager.yml (and saved silences) -> the world's Alertmanager: route tree, inhibit rules, silences");
  cmd->add_option("file", a->file, "alertmanager.yml")->required()->check(CLI::ExistingFile);
  cmd->add_option("--silences", a->silences, "GET /api/v2/silences, saved")->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "World file to write (default: stdout)");
  cmd->add_option("--world", a->world, "World to merge into (default: --out when it exists)");
  return {cmd, [a] { return import_alertmanager_command(*a, std::cout, std::cerr); }};
}

Subcommand add_import_github(CLI::App& import) {
  struct Args {
    ImportGitHubArgs args;
    std::vector<std::string> branch_policies;
  };
  auto a = std::make_shared<Args>();
  GitHubFiles& files = a->args.files;
  auto* cmd = import.add_subcommand(
      "github", "GitHub's own answers (saved by gh api --paginate) -> the runners' names, labels and groups, the default "
                "branch and environments");
  cmd->add_option("--runners", files.runners, "GET /repos/O/R/actions/runners")->required()->check(CLI::ExistingFile);
  cmd->add_option("--runner-groups", files.runner_groups, "GET /orgs/O/actions/runner-groups")->check(CLI::ExistingFile);
  cmd->add_option("--repo", files.repo, "GET /repos/O/R")->check(CLI::ExistingFile);
  cmd->add_option("--environments", files.environments, "GET /repos/O/R/environments")->check(CLI::ExistingFile);
  cmd->add_option("--branch-policies", a->branch_policies,
                  "ENV=FILE: GET /repos/O/R/environments/ENV/deployment-branch-policies (repeatable)");
  cmd->add_option("--approval-after", files.approval_after, "How long required reviewers take to approve a deploy (e.g. 10m)");
  cmd->add_option("--out", a->args.out, "World file to write (default: stdout)");
  cmd->add_option("--world", a->args.world, "World to merge into (default: --out when it exists)");
  return {cmd, [a] {
            for (const auto& b : a->branch_policies) {
              const auto eq = b.find('=');
              if (eq == std::string::npos || eq == 0 || eq + 1 == b.size()) {
                std::cerr << "failsim import github: --branch-policies " << b << ": expected ENV=FILE\n";
                return 2;
              }
              a->args.files.branch_policies[b.substr(0, eq)] = b.substr(eq + 1);
            }
            return import_github_command(a->args, std::cout, std::cerr);
          }};
}

Subcommand add_import_workflow(CLI::App& import) {
  struct Args {
    ImportWorkflowArgs args;
    std::string deploy_job;
  };
  auto a = std::make_shared<Args>();
  ImportWorkflowArgs& w = a->args;
  auto* cmd = import.add_subcommand("workflow", "A deploy workflow -> the world's GitHub part and the as-built policy");
  cmd->add_option("file", w.file, "Workflow YAML, e.g. .github/workflows/deploy.yml")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", w.out, "World file to write (default: stdout)");
  cmd->add_option("--world", w.world, "World to merge into (default: --out when it exists)");
  cmd->add_option("--deploy-job", a->deploy_job, "The job that deploys (default: environment production)");
  cmd->add_option("--repository", w.options.repository, "owner/name")->capture_default_str();
  cmd->add_option("--policy-out", w.policy_out, "Write the as-built policy here");
  cmd->add_option("--scenario-out", w.scenario_out, "Write a starter scenario here (needs --out and --policy-out)");
  return {cmd, [a] {
            if (!a->deploy_job.empty()) a->args.options.deploy_job = a->deploy_job;
            return import_workflow_command(a->args, std::cout, std::cerr);
          }};
}

}  // namespace

std::vector<Subcommand> add_import(CLI::App& app) {
  auto* import = app.add_subcommand("import", "Turn the files a team already keeps into a world (and an as-built policy)");
  import->require_subcommand(1);
  return {add_import_prometheus(*import), add_import_alertmanager(*import), add_import_github(*import),
          add_import_workflow(*import)};
}

}  // namespace failsim::harness::cli
