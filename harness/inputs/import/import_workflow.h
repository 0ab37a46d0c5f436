// `failsim import workflow .github/workflows/deploy.yml`: the world's GitHub part and
// the as-built policy from a deploy workflow. Read: the workflow's name,
// on.workflow_dispatch.inputs, workflow-level concurrency, and per job runs-on (a label,
// a list, or {group, labels}), needs, concurrency (a string or {group,
// cancel-in-progress, queue}), timeout-minutes and environment; in the deploy job, a
// retry step in the shape of the common retry actions (with: max_attempts,
// retry_wait_seconds, timeout_minutes / timeout_seconds, retry_on). Every `${{ }}`
// expression failsim cannot evaluate is a note with file:line (the literal text is
// kept, never guessed); so is every construct it does not model (matrix, services, if,
// continue-on-error, reusable workflows, ...).
//
// The policy: the deploy job's runs-on as its one candidate label set, placement in-job
// (the job checks the runner it landed on) unless runs-on comes from an upstream job's
// outputs (a gate job chose the runner: before-dispatch), the job's concurrency and
// timeout, no re-dispatch (a job that fails stays failed), and the retry step. The gate
// checks are the ones the deploy job's shell steps make (before-dispatch: the steps of
// the jobs it needs), as harness/inputs/import/import_gate_steps.h recognises them: none when the
// workflow checks nothing, and every step that looks like a check but cannot be read is
// a note. Nothing is invented.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "harness/inputs/import/import_common.h"

namespace failsim::harness {

struct WorkflowImportOptions {
  std::optional<std::string> deploy_job;  // default: the job with environment production, else the last
  std::string repository = "your-org/your-repo";
};

struct WorkflowImport {
  nlohmann::json github;  // the world's "github" object
  nlohmann::json policy;  // the as-built policy
  // A runner for each GitHub-hosted label a job runs on (ubuntu-latest, ...): on host
  // github-hosted, without an exporter, never approved for production.
  nlohmann::json hosted_runners = nlohmann::json::array();
  std::string deploy_job;
  std::vector<ImportNote> notes;
  // The gate steps failsim cannot read, as scripts its command checks run: (path
  // relative to the policy file, text). Written beside the policy.
  std::vector<std::pair<std::string, std::string>> gate_scripts;
};

Result<WorkflowImport> import_workflow(const std::string& yaml_text, const std::string& file,
                                       const WorkflowImportOptions& options);

// GitHub's timings with the reference's defaults, the UNCONFIRMED ones flagged.
nlohmann::json default_github_timings();

}  // namespace failsim::harness
