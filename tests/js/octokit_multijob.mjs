// A two-job workflow (build, then deploy with needs: build) seen through Octokit, as a
// release tool watches it: dispatch, find the run by branch and event, poll the run and
// its jobs until it completes, every response validated against GitHub's OpenAPI
// description. Prints the distinct (run, build, deploy) states it saw, in order, and the
// jobs at the end.
// Usage: node octokit_multijob.mjs ENDPOINTS_JSON. Prints one JSON object; exits 1 on failure.
import { readFileSync } from "node:fs";
import { Octokit } from "@octokit/rest";
import { check, checked } from "./lib/github_schema.mjs";
import { sleep, until } from "./lib/wait.mjs";

const endpoints = JSON.parse(readFileSync(process.argv[2], "utf8"));
const token = readFileSync(endpoints.token_file, "utf8").trim();
const github = new URL(endpoints.endpoints.github);
const [, , owner, repo] = github.pathname.split("/");
const octokit = new Octokit({ auth: token, baseUrl: github.origin, userAgent: "failsim-octokit-test", request: { retries: 0 } });
const exporters = Object.keys(endpoints.endpoints).filter((k) => k.startsWith("exporter-")).length;

const seen = { states: [] };
try {
  // The gated policy gates before dispatching: wait until every exporter has been scraped.
  await until("every exporter scraped", async () => {
    const q = await (await fetch(`${endpoints.endpoints.prometheus}/api/v1/query?query=count%28up%3D%3D1%29`)).json();
    return q.data.result.length === 1 && q.data.result[0].value[1] === String(exporters);
  });
  const dispatched = await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: "deploy.yml", ref: "release/2.8", inputs: { version: "2.8.0" } });
  if (dispatched.status !== 204) throw new Error("dispatch answered " + dispatched.status);
  const found = await until("the dispatched run", async () => {
    const list = check("actions/list-workflow-runs", await octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: "deploy.yml", branch: "release/2.8", event: "workflow_dispatch" }));
    return list.total_count === 1 ? list.workflow_runs[0] : null;
  });
  let run = found;
  let jobs = [];
  const deadline = Date.now() + 120000;
  for (;;) {
    run = check("actions/get-workflow-run", await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: found.id }));
    jobs = check("actions/list-jobs-for-workflow-run", await octokit.rest.actions.listJobsForWorkflowRun({ owner, repo, run_id: found.id })).jobs;
    const job = (name) => jobs.find((j) => j.name === name);
    const state = (j) => (j ? (j.status === "completed" ? j.conclusion : j.status) : "absent");
    const now = `run=${run.status === "completed" ? run.conclusion : run.status} build=${state(job("build"))} deploy=${state(job("deploy"))}`;
    if (seen.states[seen.states.length - 1] !== now) seen.states.push(now);
    if (run.status === "completed") break;
    if (Date.now() > deadline) throw new Error("the run did not complete; states: " + seen.states.join(" | "));
    await sleep(50);
  }
  seen.jobs = jobs.map((j) => ({ name: j.name, runner_name: j.runner_name, started_at: j.started_at, completed_at: j.completed_at, conclusion: j.conclusion }));
  seen.run = { status: run.status, conclusion: run.conclusion, head_branch: run.head_branch, updated_at: run.updated_at };
  console.log(JSON.stringify({ ok: true, seen, checked }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.stack ? e.stack : e), seen, checked }));
  process.exit(1);
}
