// `failsim gate`: the production health gate. Runs the policy's PromQL checks against
// a live Prometheus, assesses each candidate, selects a target and reports it.
//
// A policy's command checks, and its selection command (which then chooses the target:
// failover/selection.h select_by_command), run here as child processes
// (harness/gate/command_exec.h), as they run inside a simulation (harness/runs/command_checks.h).
//
// Output contract (stdout, one JSON object):
//   {"target": "<runner name>" | null, "labels": [...],
//    "checks": [{"candidate", "stage", "query" | "command", "result": "value"|"empty"|"error",
//                "value"?, "series"?, "error"?}],   every check the gate ran, in order
//                (a command's value is its exit status, its error its last line, its
//                output its stdout; the selection command's candidate is null)
//    "candidates": [{"name", "authorized", "healthy", "reasons": [...], "warnings": [...]}],
//    "policy": "<name>"}
// Exit status: 0 a target was chosen; 1 none is healthy (every candidate's reasons on
// stderr in plain words); 2 usage, policy or file errors (message on stderr).
// With github_output set (the GITHUB_OUTPUT file of a workflow step), appends
// "target=<name>" and "labels=<JSON array>" lines to it when a target is chosen.
//
// Placement "in-job" (as built) assesses the policy's single candidate by the
// hostname given (default: this machine's hostname), like the as-built step does.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "failover/time.h"

namespace failsim::harness {

struct GateOptions {
  std::string policy_path;
  std::string prometheus_url;
  Duration timeout = std::chrono::seconds(5);
  std::optional<std::string> hostname;      // in-job placement only
  std::optional<std::string> github_output;  // path of the GITHUB_OUTPUT file
  // --command ARG...: one more gate check, this command (a policy check with only a
  // name and a command). Commands run with PROMETHEUS_URL set to prometheus_url,
  // RUNNER_NAME to the candidate's runner, and GITHUB_API_URL, GITHUB_TOKEN and
  // GITHUB_REPOSITORY passed on from this process's environment.
  std::vector<std::string> command;
};

int run_gate(const GateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace failsim::harness
