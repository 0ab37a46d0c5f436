// The fake GitHub REST API over the GitHub model (reference A5-A7): GET
// /repos/{owner}/{repo} (full-repository) and GET /user (what PyGithub reads first),
// then under /repos/{owner}/{repo}/actions:
//   GET  /artifacts, /runs/{id}/artifacts     {total_count: 0, artifacts: []}
//   GET  /runs/{id}/timing                    {billable: {}, run_duration_ms once completed}
//   GET  /runners[?name,per_page,page]        {total_count, runners}
//   GET  /runners/{id}                        runner
//   GET  /workflows                           {total_count, workflows}
//   POST /workflows/{id|file}/dispatches      {ref, inputs?, return_run_details?} ->
//                                             204, or 200 {workflow_run_id, run_url,
//                                             html_url} when return_run_details
//   GET  /runs, /workflows/{id|file}/runs     {total_count, workflow_runs}, newest
//                                             first; status/event/branch filters
//   GET  /runs/{id}                           workflow-run
//   GET  /runs/{id}/jobs[?filter=latest|all]  {total_count, jobs}; runner_* null until
//                                             a runner is assigned
//   GET  /jobs/{id}                           job
//   POST /runs/{id}/cancel                    202 {} | 409 when completed
//   POST /runs/{id}/rerun-failed-jobs         201 {} | 403 when running / nothing failed
//   GET  /rate_limit (not counted)            {resources: {core}, rate}
// Conventions: `Authorization: Bearer <token>` or `token <token>` must match the
// configured token (401 "Bad credentials" otherwise; no header at all: 404, as GitHub
// hides private repositories); a missing User-Agent is refused with 403;
// X-GitHub-Api-Version must be a supported version when given (400 otherwise); every
// authenticated response carries x-ratelimit-{limit,remaining,used,reset,resource}
// and an exhausted budget answers 403 with remaining 0; lists page with per_page
// (default 30, max 100) and page, with a Link header (first/prev/next/last) when there
// is more than one page; bad JSON bodies 400 "Problems parsing JSON", non-object bodies
// 400 "Body should be a JSON object", missing/invalid fields 422 with GitHub's
// validation-error body; unknown paths 404 {"message": "Not Found", ...}.
// The token is compared, never logged or echoed.
// While the model's GitHub is degraded (a github_degraded fault, sim/github/github.h),
// every counted call first waits its added_latency in wall-clock time (at most 30 s),
// then may be refused as the model says: 500/502/503 at its error rate (draws of a
// stream of its own), or 403 "API rate limit exceeded ..." with remaining 0.
//
// Dispatches go through `dispatch`, run on the engine thread: serve turns a REST
// dispatch into a deploy request of the harness; without one the workflow is
// dispatched straight into the model with one job on `default_runs_on`.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "fakes/live_loop.h"
#include "sim/github/github.h"

namespace failsim::fakes {

struct GitHubApiConfig {
  std::string owner = "rmnanney";  // paws360-as-built.md §2: github_repository=rmnanney/PAWS360
  std::string repo = "PAWS360";
  std::string default_branch = "main";  // GET /repos/{owner}/{repo}
  std::string token;               // required: requests must present it
  std::string workflow_file = "ci.yml";
  std::string workflow_name = "CI/CD Pipeline";
  std::vector<std::string> default_runs_on = {"self-hosted", "production", "primary"};
  int rate_limit_per_hour = 5000;  // A5: personal access token budget
  std::vector<std::string> api_versions = {"2022-11-28", "2026-03-10"};
  std::string scheme = "http";  // "https" when served with TLS: the URLs in bodies and links
  // The deploy workflow's workflow_dispatch inputs; nullopt: not declared, not checked.
  std::optional<std::vector<sim::github::WorkflowInput>> inputs;
};

// Engine thread. Returns the new run's id when it exists at once, nullopt when the
// request was accepted but the run is created later (e.g. after a health gate).
using DispatchHandler =
    std::function<Result<std::optional<std::int64_t>>(const std::string& ref, const nlohmann::json& inputs)>;

void install_github_api(httplib::Server& server, LiveLoop& loop, sim::github::GitHub& github, GitHubApiConfig config,
                        DispatchHandler dispatch = {});

}  // namespace failsim::fakes
