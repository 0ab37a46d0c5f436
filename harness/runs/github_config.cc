#include "harness/runs/github_config.h"

namespace failsim::harness {

fakes::GitHubApiConfig github_api_config(const WorldFile& wf, const std::string& token) {
  fakes::GitHubApiConfig c;
  c.token = token;
  c.owner = wf.repository.substr(0, wf.repository.find('/'));
  c.repo = wf.repository.substr(wf.repository.find('/') + 1);
  c.workflow_file = wf.deploy_workflow;
  c.default_branch = wf.default_branch;
  c.workflow_name = wf.deploy_workflow_spec().name;
  if (wf.deploy_workflow_spec().inputs_declared) c.inputs = wf.deploy_workflow_spec().inputs;
  for (const auto& job : wf.deploy_workflow_spec().jobs) {
    if (job.name == wf.deploy_job) c.default_runs_on = job.runs_on;
  }
  return c;
}

}  // namespace failsim::harness
