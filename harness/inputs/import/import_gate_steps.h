// The health checks a deploy job's shell steps make, read from their `run:` text, for
// the as-built policy (harness/inputs/import/import_workflow.h). Recognised, narrowly, and nothing else:
//   the query:      curl/wget to .../api/v1/query with ?query=EXPR (URL-encoded),
//                   --data-urlencode 'query=EXPR', -d 'query=EXPR', or
//                   `promtool query instant URL 'EXPR'`;
//   its runner:     $(hostname), $HOSTNAME, ${HOSTNAME} -> ${hostname};
//                   $RUNNER_NAME, ${{ runner.name }} -> ${name}; any other variable or
//                   expression makes the step unreadable;
//   the decision:   jq -e '<path> OP N' (passes when it holds); [ "$V" OP N ] || exit,
//                   test "$V" OP N || exit (passes when it holds); if [ "$V" OP N ]; then
//                   ... exit 1 (passes when it does not), with OP one of == = != -eq -ne
//                   -lt -le -gt -ge < >.
// A step that looks like a health check but is not recognised so (a query without a
// recognisable decision, a decision without a query, a script file) is never turned
// into an invented check: it becomes a command check that runs the step's own `run:`
// text inside the simulation (harness/runs/command_checks.h), written as a script
// gate-steps/<name>.sh beside the policy. What it takes from the runner is given to it:
// `hostname`/$HOSTNAME answer the runner's hostname; ${{ runner.name }},
// ${{ github.repository }}, ${{ github.token }}, ${{ secrets.GITHUB_TOKEN }},
// ${{ github.api_url }} and ${{ env.X }} become the command's variables; the workflow's,
// job's and step's literal `env:` are exported; a Prometheus address before /api/v1/
// (a literal URL, or a variable holding it) becomes $PROMETHEUS_URL, as does an `env:`
// URL with port 9090 or "prom" in its name or value (a guess, said so). Any other
// ${{ ... }} is left empty. The script runs from the repository's root (the folder
// holding .github/workflows/); a step running a repository file that is not there gets
// no check. Each change is an import note with the step's file:line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "harness/inputs/import/import_common.h"

namespace failsim::harness {

struct GateSteps {
  nlohmann::json checks = nlohmann::json::array();  // policy checks, each named after its step
  std::vector<ImportNote> notes;                     // one per step read or not read, with file:line
  int unreadable = 0;                                // steps that look like health checks but are not recognised
  // The command checks' scripts: (gate-steps/<name>.sh, text).
  std::vector<std::pair<std::string, std::string>> scripts;
};

// The `env:` maps a step sees besides its own: the workflow's, then the job's.
struct StepEnv {
  YAML::Node workflow;
  YAML::Node job;
};

// `steps`: the deploy job's steps (a sequence; anything else reads as no steps).
GateSteps read_gate_steps(const YAML::Node& steps, const std::string& file, const std::string& job, const StepEnv& env = {});

// One `run:` text on its own: the check it makes, or null with `why` saying what was
// missing ("no Prometheus query", "no decision on the value", "uses $FOO").
nlohmann::json recognise_check(const std::string& run, const std::string& name, std::string& why);

}  // namespace failsim::harness
