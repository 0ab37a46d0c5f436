// The read/dispatch/find/cancel/re-run loop a deploy tool writes with Octokit, against
// failsim serve's fake GitHub, with every response body validated against GitHub's
// OpenAPI description (@octokit/openapi, api.github.com.json) by Ajv.
// Usage: node octokit_flow.mjs ENDPOINTS_JSON
// Prints one JSON object (what it saw) on stdout; exits 1 on the first failure, naming it.
import { readFileSync } from "node:fs";
import { Octokit } from "@octokit/rest";
import { check, checked } from "./lib/github_schema.mjs";
import { until } from "./lib/wait.mjs";

const endpoints = JSON.parse(readFileSync(process.argv[2], "utf8"));
const token = readFileSync(endpoints.token_file, "utf8").trim();
const github = new URL(endpoints.endpoints.github);
const [, , owner, repo] = github.pathname.split("/");
const octokit = new Octokit({ auth: token, baseUrl: github.origin, userAgent: "failsim-octokit-test", request: { retries: 0 } });

const seen = {};
try {
  const runners = check("actions/list-self-hosted-runners-for-repo", await octokit.rest.actions.listSelfHostedRunnersForRepo({ owner, repo }));
  seen.runners = runners.runners.map((r) => r.name);
  const workflows = check("actions/list-repo-workflows", await octokit.rest.actions.listRepoWorkflows({ owner, repo }));
  const file = workflows.workflows[0].path.split("/").pop();
  check("actions/get-workflow", await octokit.rest.actions.getWorkflow({ owner, repo, workflow_id: file }));
  // The health-gated policy gates before dispatching: wait until Prometheus has scraped
  // both runners, or the gate rightly finds no one healthy and no run appears.
  await until("both runners scraped", async () => {
    const q = await (await fetch(`${endpoints.endpoints.prometheus}/api/v1/query?query=sum%28up%29`)).json();
    return q.data.result.length === 1 && q.data.result[0].value[1] === "2";
  });
  // Dispatch on a ref of its own, then find the run the usual way: by branch and event.
  // PAWS360's ci.yml has `workflow_dispatch: {}`: an input it does not declare is refused.
  try {
    await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: file, ref: "octokit/test", inputs: { version: "v7.7.7" } });
    seen.undeclared_inputs = "accepted";
  } catch (e) {
    seen.undeclared_inputs = [e.status, e.response && e.response.data.message];
  }
  const dispatched = await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: file, ref: "octokit/test" });
  if (dispatched.status !== 204) throw new Error("dispatch answered " + dispatched.status);
  const run = await until("the dispatched run", async () => {
    const list = check("actions/list-workflow-runs", await octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: file, branch: "octokit/test", event: "workflow_dispatch" }));
    return list.total_count === 1 ? list.workflow_runs[0] : null;
  });
  seen.head_branch = run.head_branch;
  seen.author = run.head_commit.author.name;
  check("actions/get-workflow-run", await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: run.id }));
  const all = await octokit.paginate(octokit.rest.actions.listWorkflowRunsForRepo, { owner, repo, per_page: 1 });
  seen.paginated_runs = all.length;
  await until("a runner for the deploy job", async () => {
    const jobs = check("actions/list-jobs-for-workflow-run", await octokit.rest.actions.listJobsForWorkflowRun({ owner, repo, run_id: run.id }));
    return jobs.jobs.some((j) => j.runner_name);
  });
  const cancel = await octokit.rest.actions.cancelWorkflowRun({ owner, repo, run_id: run.id });
  check("actions/cancel-workflow-run", cancel);
  await until("the cancelled run", async () => {
    const r = check("actions/get-workflow-run", await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: run.id }));
    return r.status === "completed" ? (seen.cancelled_conclusion = r.conclusion) : null;
  });
  check("actions/re-run-workflow", await octokit.rest.actions.reRunWorkflow({ owner, repo, run_id: run.id }));
  const rerun = await until("the re-run attempt's deploy", async () => {
    const r = check("actions/get-workflow-run", await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: run.id }));
    return r.run_attempt === 2 && r.status === "completed" ? r : null;
  }, 60000);
  seen.rerun_conclusion = rerun.conclusion;
  const attempt = check("actions/list-jobs-for-workflow-run-attempt", await octokit.rest.actions.listJobsForWorkflowRunAttempt({ owner, repo, run_id: run.id, attempt_number: 2 }));
  seen.rerun_runner = attempt.jobs[attempt.jobs.length - 1].runner_name;
  seen.rerun_steps = attempt.jobs[attempt.jobs.length - 1].steps.map((s) => `${s.number} ${s.name}: ${s.conclusion}`);
  check("actions/get-workflow-run-attempt", await octokit.rest.actions.getWorkflowRunAttempt({ owner, repo, run_id: run.id, attempt_number: 1 }));
  check("actions/get-job-for-workflow-run", await octokit.rest.actions.getJobForWorkflowRun({ owner, repo, job_id: attempt.jobs[0].id }));
  check("rate-limit/get", await octokit.rest.rateLimit.get());
  // What PyGithub's get_repo()/get_user() and the usual scripts read besides.
  const repository = check("repos/get", await octokit.rest.repos.get({ owner, repo }));
  seen.repository = { full_name: repository.full_name, default_branch: repository.default_branch };
  seen.user = check("users/get-authenticated", await octokit.rest.users.getAuthenticated()).login;
  const usage = check("actions/get-workflow-run-usage", await octokit.rest.actions.getWorkflowRunUsage({ owner, repo, run_id: run.id }));
  seen.run_duration_ms = usage.run_duration_ms;
  seen.run_artifacts = check("actions/list-workflow-run-artifacts", await octokit.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: run.id })).total_count;
  seen.repo_artifacts = check("actions/list-artifacts-for-repo", await octokit.rest.actions.listArtifactsForRepo({ owner, repo })).total_count;
  console.log(JSON.stringify({ ok: true, seen, checked }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.stack ? e.stack : e), seen, checked }));
  process.exit(1);
}
