#!/usr/bin/env python3
"""Runs action.yml's steps the way the GitHub Actions runner does, offline, and lints
workflow files against it.

  run_action.py run ACTION_DIR INPUTS_JSON WORKDIR
      Runs each step in order: `run:` steps with bash --noprofile --norc -eo pipefail
      (the runner's `shell: bash`), a fresh GITHUB_OUTPUT file per step parsed into
      steps.<id>.outputs, one GITHUB_STEP_SUMMARY and GITHUB_ENV for the job,
      GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_WORKSPACE (= WORKDIR, the steps' cwd) and
      GITHUB_ACTIONS=true; `${{ inputs.X }}`, `${{ steps.ID.outputs.X }}`,
      `${{ runner.temp }}` expressions; `if:` of the form `steps.ID.outputs.X != 'V'`.
      `uses: actions/cache@...` is emulated: a hit when its path exists and is not empty
      (the test warms it), a miss otherwise. Stops at the first failing step, as the
      runner does. Prints JSON: steps (id/name, ran or skipped, exit code), outputs (the
      action's), summary (the step summary's text), stdout (all steps').
  run_action.py lint ACTION_DIR WORKFLOW...
      Offline checks of workflows: valid YAML with `on` and `jobs`; every `uses:` is a
      local path or pinned to a full 40-hex commit; every `with:` given to this action
      (uses: ./ or */failsim@...) names an input action.yml declares, and every required
      input is given. Prints one problem per line; exit 1 when there is any.
  run_action.py withs FILE...
      The `with:` block of every step that uses this action, in workflow files and in
      the ```yaml blocks of Markdown files, exactly as written: prints a JSON list of
      {where, with}.
"""
import json
import os
import re
import subprocess
import sys

import yaml

EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def evaluate(expr, ctx):
    parts = expr.split(".")
    if parts[0] == "inputs":
        return ctx["inputs"].get(parts[1], "")
    if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
        return ctx["steps"].get(parts[1], {}).get(parts[3], "")
    if expr == "runner.temp":
        return ctx["runner_temp"]
    if expr == "github.action_path":
        return ctx["action_path"]
    raise SystemExit(f"run_action.py: unsupported expression {expr!r}")


def substitute(text, ctx):
    return EXPR.sub(lambda m: str(evaluate(m.group(1), ctx)), str(text))


def condition(text, ctx):
    m = re.fullmatch(r"\s*(steps\.[\w-]+\.outputs\.[\w-]+)\s*(!=|==)\s*'([^']*)'\s*", text)
    if not m:
        raise SystemExit(f"run_action.py: unsupported if: {text!r}")
    value = evaluate(m.group(1), ctx)
    return (value != m.group(3)) if m.group(2) == "!=" else (value == m.group(3))


def parse_output_file(path):
    out = {}
    lines = open(path, encoding="utf-8").read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            i += 1
            while lines[i] != delim:
                value.append(lines[i])
                i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def run(action_dir, inputs, workdir):
    action = yaml.safe_load(open(os.path.join(action_dir, "action.yml"), encoding="utf-8"))
    temp = os.path.join(workdir, "runner-temp")
    os.makedirs(temp, exist_ok=True)
    values = {name: str(spec.get("default", "")) for name, spec in action.get("inputs", {}).items()}
    for name, value in inputs.items():
        if name not in values:
            raise SystemExit(f"run_action.py: input {name} is not declared in action.yml")
        values[name] = value
    for name, spec in action.get("inputs", {}).items():
        if spec.get("required") and not values.get(name):
            raise SystemExit(f"run_action.py: required input {name} missing")
    ctx = {"inputs": values, "steps": {}, "runner_temp": temp, "action_path": action_dir}
    summary = os.path.join(workdir, "step-summary.md")
    env_file = os.path.join(workdir, "github-env")
    open(summary, "w").close()
    open(env_file, "w").close()
    report = {"steps": [], "stdout": ""}
    failed = False
    for n, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", f"step{n}")
        entry = {"id": sid, "name": step.get("name", "")}
        report["steps"].append(entry)
        if failed or ("if" in step and not condition(step["if"], ctx)):
            entry["ran"] = False
            continue
        entry["ran"] = True
        if "uses" in step:
            if not step["uses"].startswith("actions/cache@"):
                raise SystemExit(f"run_action.py: cannot emulate {step['uses']}")
            path = substitute(step["with"]["path"], ctx)
            hit = os.path.isdir(path) and len(os.listdir(path)) > 0
            ctx["steps"][sid] = {"cache-hit": "true" if hit else "false"}
            entry["exit_code"] = 0
            continue
        output = os.path.join(workdir, f"output-{n}")
        open(output, "w").close()
        env = dict(os.environ)
        env.update({k: substitute(v, ctx) for k, v in (step.get("env") or {}).items()})
        env.update({"GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": action_dir, "RUNNER_TEMP": temp,
                    "GITHUB_WORKSPACE": workdir, "GITHUB_OUTPUT": output, "GITHUB_STEP_SUMMARY": summary,
                    "GITHUB_ENV": env_file})
        script = os.path.join(workdir, f"step-{n}.sh")
        open(script, "w", encoding="utf-8").write(substitute(step["run"], ctx))
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=workdir, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
        report["stdout"] += p.stdout
        entry["exit_code"] = p.returncode
        ctx["steps"][sid] = parse_output_file(output)
        failed = p.returncode != 0
    report["outputs"] = {name: substitute(spec["value"], ctx) for name, spec in action.get("outputs", {}).items()}
    report["summary"] = open(summary, encoding="utf-8").read()
    report["failed"] = failed
    print(json.dumps(report))


def lint(action_dir, workflows):
    action = yaml.safe_load(open(os.path.join(action_dir, "action.yml"), encoding="utf-8"))
    declared = action.get("inputs", {})
    problems = []
    for path in workflows:
        try:
            doc = yaml.safe_load(open(path, encoding="utf-8"))
        except yaml.YAMLError as e:
            problems.append(f"{path}: not valid YAML: {e}")
            continue
        # YAML 1.1 reads the key `on` as True.
        if not isinstance(doc, dict) or ("on" not in doc and True not in doc) or "jobs" not in doc:
            problems.append(f"{path}: a workflow needs `on` and `jobs`")
            continue
        for job_id, job in doc["jobs"].items():
            for k, step in enumerate(job.get("steps", []) if isinstance(job, dict) else []):
                uses = step.get("uses")
                where = f"{path}: jobs.{job_id}.steps[{k}]"
                if not uses:
                    continue
                if uses.startswith("./"):
                    ours = True
                else:
                    if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses):
                        problems.append(f"{where}: uses {uses}: pin it to a full commit SHA")
                    ours = uses.split("@")[0].endswith("/failsim")
                if ours:
                    given = step.get("with") or {}
                    for name in given:
                        if name not in declared:
                            problems.append(f"{where}: input {name} is not declared in action.yml")
                    for name, spec in declared.items():
                        if spec.get("required") and name not in given:
                            problems.append(f"{where}: required input {name} is missing")
    for p in problems:
        print(p)
    return 1 if problems else 0


def ours(uses):
    return uses.startswith("./") or uses.split("@")[0].endswith("/failsim")


def withs(paths):
    found = []
    for path in paths:
        text = open(path, encoding="utf-8").read()
        docs = re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M) if path.endswith(".md") else [text]
        for n, doc in enumerate(docs):
            data = yaml.safe_load(doc)
            if not isinstance(data, dict):
                continue
            for job_id, job in (data.get("jobs") or {}).items():
                for k, step in enumerate(job.get("steps", []) if isinstance(job, dict) else []):
                    if isinstance(step, dict) and "uses" in step and ours(step["uses"]):
                        where = f"{os.path.basename(path)}: block {n}: jobs.{job_id}.steps[{k}]"
                        found.append({"where": where, "with": {k: str(v) for k, v in (step.get("with") or {}).items()}})
    print(json.dumps(found))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "run":
        run(os.path.abspath(sys.argv[2]), json.loads(sys.argv[3]), os.path.abspath(sys.argv[4]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "withs":
        withs(sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "lint":
        sys.exit(lint(os.path.abspath(sys.argv[2]), sys.argv[3:]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
