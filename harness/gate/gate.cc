#include "harness/gate/gate.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "failover/health.h"
#include "failover/policy.h"
#include "failover/selection.h"
#include "harness/gate/command_exec.h"
#include "harness/inputs/inputs.h"
#include "harness/gate/prometheus_query.h"

namespace failsim::harness {
namespace {

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

nlohmann::json check_json(const std::string& candidate, const failover::PlannedCheck& check,
                          const failover::QueryOutcome& o) {
  nlohmann::json j{{"candidate", candidate.empty() ? nlohmann::json(nullptr) : nlohmann::json(candidate)}, {"stage", check.stage}};
  if (check.argv.empty()) {
    j["query"] = check.query;
  } else {
    j["name"] = check.check->name;
    j["command"] = check.argv;
    if (!o.output.empty()) j["output"] = o.output;
  }
  switch (o.kind) {
    case failover::QueryOutcome::Kind::kValue:
      j["result"] = "value";
      j["value"] = o.value;
      j["series"] = o.samples;
      break;
    case failover::QueryOutcome::Kind::kEmpty: j["result"] = "empty"; break;
    case failover::QueryOutcome::Kind::kError:
      j["result"] = "error";
      j["error"] = o.error;
      break;
  }
  return j;
}

// A command check (or the selection command) as the gate runs it: PROMETHEUS_URL is
// --prometheus; GitHub's variables come from this process's environment. What it
// printed goes to stderr, named.
CommandResult run_check_command(const failover::PlannedCheck& check, const failover::Policy& policy, const GateOptions& options,
                                std::ostream& err) {
  CommandSpec cmd;
  cmd.argv = resolve_relative_files(check.argv, policy.base_dir);
  cmd.timeout = check.check->timeout;
  cmd.env = {{"PROMETHEUS_URL", options.prometheus_url}, {"RUNNER_NAME", check.runner}};
  for (const char* name : {"GITHUB_API_URL", "GITHUB_TOKEN", "GITHUB_REPOSITORY"}) {
    if (const char* v = std::getenv(name)) cmd.env.emplace_back(name, v);
  }
  const CommandResult result = run_command(cmd);
  for (const auto& stream : {result.out, result.err}) {
    if (!stream.empty()) {
      err << check.check->name << (check.runner.empty() ? "" : " (" + check.runner + ")") << ": " << stream
          << (stream.back() == '\n' ? "" : "\n");
    }
  }
  return result;
}

}  // namespace

int run_gate(const GateOptions& options, std::ostream& out, std::ostream& err) {
  std::ifstream in(options.policy_path);
  if (!in) {
    err << "failsim gate: cannot read policy file " << options.policy_path << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto parsed = failover::parse_policy(text.str(), options.policy_path);
  if (!parsed) {
    err << "failsim gate: " << parsed.error() << "\n";
    return 2;
  }
  failover::Policy policy = parsed.value();
  policy.base_dir = std::filesystem::path(options.policy_path).parent_path().string();
  if (!options.command.empty()) {
    failover::HealthCheck c;
    c.name = "command";
    c.command = options.command;
    c.threshold = 0;
    policy.gate.push_back(std::move(c));
  }
  std::vector<failover::HealthCheck> commands = policy.preflight;
  commands.insert(commands.end(), policy.gate.begin(), policy.gate.end());
  if (policy.select) commands.push_back(*policy.select);
  for (const auto& c : commands) {
    if (!c.is_command()) continue;
    if (auto missing = missing_program(c.command, policy.base_dir)) {
      err << "failsim gate: " << options.policy_path << ": check " << c.name << ": command argument " << *missing << "\n";
      return 2;
    }
  }
  const auto endpoint = parse_prometheus_url(options.prometheus_url);
  if (!endpoint) {
    err << "failsim gate: " << endpoint.error() << "\n";
    return 2;
  }
  if (options.timeout <= Duration(0)) {
    err << "failsim gate: --timeout must be greater than 0\n";
    return 2;
  }

  std::vector<std::optional<failover::Assessment>> assessments(policy.candidates.size());
  nlohmann::json checks = nlohmann::json::array();
  std::optional<failover::QueryOutcome> unreachable;
  for (std::size_t i = 0; i < policy.candidates.size(); ++i) {
    const failover::Candidate& c = policy.candidates[i];
    if (!c.authorized_for_prod) continue;
    const std::string host = c.hostname ? *c.hostname : options.hostname.value_or(local_hostname());
    const auto plan = failover::plan_checks(policy, c, host);
    std::vector<failover::QueryOutcome> outcomes;
    for (const auto& check : plan) {
      // Once Prometheus could not be reached, the remaining queries would each wait out
      // the same timeout: reuse that answer, so the gate takes one timeout, not N.
      if (unreachable) {
        outcomes.push_back(*unreachable);
        continue;
      }
      if (!check.argv.empty()) {
        outcomes.push_back(command_outcome(run_check_command(check, policy, options, err)));
        continue;
      }
      const InstantQuery answer = query_instant(endpoint.value(), check.query, options.timeout);
      outcomes.push_back(answer.outcome);
      if (answer.transport_error) unreachable = answer.outcome;
    }
    for (std::size_t k = 0; k < plan.size(); ++k) {
      checks.push_back(check_json(c.name, plan[k], outcomes[k]));
    }
    assessments[i] = failover::assess(c, plan, outcomes);
  }
  failover::Selection sel = failover::select_target(policy, assessments);
  if (policy.select) {  // the team's selection command chooses
    const failover::PlannedCheck pick = failover::plan_selection(policy, assessments);
    const failover::QueryOutcome chose = command_outcome(run_check_command(pick, policy, options, err));
    checks.push_back(check_json("", pick, chose));
    sel = failover::select_by_command(policy, assessments, {}, chose);
  }

  nlohmann::json report;
  report["policy"] = policy.name;
  report["target"] = sel.target ? nlohmann::json(policy.candidates[*sel.target].name) : nlohmann::json(nullptr);
  report["labels"] = sel.labels;
  report["checks"] = checks;
  report["candidates"] = nlohmann::json::array();
  for (const auto& c : sel.candidates) {
    report["candidates"].push_back({{"name", c.name},
                                    {"authorized", c.authorized},
                                    {"healthy", c.healthy},
                                    {"reasons", c.reasons},
                                    {"warnings", c.warnings}});
  }
  out << report.dump() << "\n";

  for (const auto& c : sel.candidates) {
    for (const auto& w : c.warnings) err << "warning: " << c.name << ": " << w << "\n";
  }
  if (!sel.target) {
    err << "failsim gate: no healthy runner authorized for production; not deploying.\n";
    for (const auto& c : sel.candidates) {
      err << "  " << c.name << ":";
      for (const auto& r : c.reasons) err << "\n    - " << r;
      err << "\n";
    }
    return 1;
  }
  if (options.github_output) {
    std::ofstream gh(*options.github_output, std::ios::app);
    if (!gh) {
      err << "failsim gate: cannot append to GITHUB_OUTPUT file " << *options.github_output << "\n";
      return 2;
    }
    gh << "target=" << policy.candidates[*sel.target].name << "\n"
       << "labels=" << nlohmann::json(sel.labels).dump() << "\n";
  }
  err << "failsim gate: " << sel.diagnosis << "\n";
  return 0;
}

}  // namespace failsim::harness
