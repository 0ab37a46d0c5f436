// The health checks a deploy job's shell steps make, read from their `run:` text, for
// the as-built policy (harness/import_workflow.h). Recognised, narrowly, and nothing else:
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
// A query without a recognisable decision, or a decision without a query, is not a
// check: the step is reported as one that failsim cannot read (to be run as a command
// once scripts run inside the simulation), never turned into an invented check.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "harness/import_common.h"

namespace failsim::harness {

struct GateSteps {
  nlohmann::json checks = nlohmann::json::array();  // policy checks, each named after its step
  std::vector<ImportNote> notes;                     // one per step read or not read, with file:line
  int unreadable = 0;                                // steps that look like health checks but are not recognised
};

// `steps`: the deploy job's steps (a sequence; anything else reads as no steps).
GateSteps read_gate_steps(const YAML::Node& steps, const std::string& file, const std::string& job);

// One `run:` text on its own: the check it makes, or null with `why` saying what was
// missing ("no Prometheus query", "no decision on the value", "uses $FOO").
nlohmann::json recognise_check(const std::string& run, const std::string& name, std::string& why);

}  // namespace failsim::harness
