# The loop a release script writes with PyGithub (Debian's python3-github, 1.55), against
# failsim serve's fake GitHub: the repository and the user, the self-hosted runners, the
# deploy workflow by file name, a dispatch with inputs the workflow does not declare (as
# PAWS360's own test scripts send test_id), a dispatch as the workflow allows, the run
# found by branch and event, its jobs, cancel, re-run, timing and artifacts.
# Usage: /usr/bin/python3 pygithub_flow.py ENDPOINTS_JSON
# Prints one JSON object (what it saw) as its last line; exits 1 on the first failure.
import json
import sys
import time
import traceback
from urllib.parse import urlparse

import github


def until(what, probe, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for " + what)


def main():
    endpoints = json.load(open(sys.argv[1]))
    token = open(endpoints["token_file"]).read().strip()
    url = urlparse(endpoints["endpoints"]["github"])
    owner, repo_name = url.path.split("/")[2:4]
    gh = github.Github(login_or_token=token, base_url=f"{url.scheme}://{url.netloc}", retry=None, timeout=10)
    seen = {}
    try:
        repo = gh.get_repo(f"{owner}/{repo_name}")
        seen["full_name"] = repo.full_name
        seen["default_branch"] = repo.default_branch
        seen["user"] = gh.get_user().login
        seen["runners"] = sorted(r.name for r in repo.get_self_hosted_runners())
        workflows = list(repo.get_workflows())
        seen["workflows"] = [w.path for w in workflows]
        workflow = repo.get_workflow(workflows[0].path.split("/")[-1])
        # PAWS360's ci.yml has `workflow_dispatch: {}`: GitHub refuses inputs it does not declare.
        # create_dispatch answers False (not 204); the raw call gives GitHub's message.
        seen["dispatch_with_test_id"] = workflow.create_dispatch("pygithub/test", {"test_id": "healthy-primary"})
        status, _, body = gh._Github__requester.requestJson(
            "POST", workflow.url + "/dispatches", input={"ref": "pygithub/test", "inputs": {"test_id": "healthy-primary"}})
        seen["undeclared_inputs"] = [status, json.loads(body).get("message")]
        # The health gate dispatches only once Prometheus has scraped both runners.
        prometheus = endpoints["endpoints"]["prometheus"]
        import urllib.request

        def both_up():
            q = json.load(urllib.request.urlopen(prometheus + "/api/v1/query?query=sum%28up%29", timeout=5))
            return q["data"]["result"] and q["data"]["result"][0]["value"][1] == "2"

        until("both runners scraped", both_up)
        seen["dispatched"] = workflow.create_dispatch("pygithub/test")
        run = until("the dispatched run", lambda: next(iter(workflow.get_runs(branch="pygithub/test", event="workflow_dispatch")), None))
        seen["head_branch"] = run.head_branch
        seen["event"] = run.event
        until("a runner for the deploy job", lambda: any(j.get("runner_name") for j in jobs_of(gh, run)))
        seen["cancel"] = run.cancel()
        cancelled = until("the cancelled run", lambda: completed(repo.get_workflow_run(run.id)))
        seen["cancelled_conclusion"] = cancelled.conclusion
        seen["rerun"] = cancelled.rerun()
        rerun = until("the re-run's deploy", lambda: completed(repo.get_workflow_run(run.id), attempt=2))
        seen["rerun_conclusion"] = rerun.conclusion
        seen["rerun_runner"] = jobs_of(gh, rerun)[-1].get("runner_name")
        seen["run_duration_ms"] = rerun.timing().run_duration_ms
        seen["repo_artifacts"] = raw(gh, repo.url + "/actions/artifacts")["total_count"]  # no 1.55 method
        seen["rate_limit_remaining"] = gh.get_rate_limit().core.remaining
        print(json.dumps({"ok": True, "seen": seen}))
    except Exception:
        print(json.dumps({"ok": False, "error": traceback.format_exc(), "seen": seen}))
        sys.exit(1)


def completed(run, attempt=1):
    # run_attempt is not a 1.55 attribute: read it from the raw data.
    return run if run.status == "completed" and run.raw_data.get("run_attempt", 1) == attempt else None


def raw(gh, url):
    # What 1.55 has no method for: the usual raw call through the same requester.
    _, data = gh._Github__requester.requestJsonAndCheck("GET", url)
    return data


def jobs_of(gh, run):
    return raw(gh, run.jobs_url)["jobs"]  # 1.55 has no WorkflowRun.jobs()


if __name__ == "__main__":
    main()
