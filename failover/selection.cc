#include "failover/selection.h"

#include <cassert>

namespace failsim::failover {

Selection select_target(const Policy& policy, const std::vector<std::optional<Assessment>>& assessments,
                        const std::vector<bool>& excluded) {
  assert(assessments.size() == policy.candidates.size());
  assert(excluded.empty() || excluded.size() == policy.candidates.size());
  Selection sel;
  for (std::size_t i = 0; i < policy.candidates.size(); ++i) {
    const Candidate& c = policy.candidates[i];
    CandidateReport r;
    r.name = c.name;
    r.authorized = c.authorized_for_prod;
    if (!c.authorized_for_prod) {
      r.reasons.push_back("not authorized for production (authorized_for_prod is false); not queried");
    } else if (!assessments[i]) {
      r.reasons.push_back("not assessed");
    } else {
      r.healthy = assessments[i]->healthy;
      r.reasons = assessments[i]->reasons;
      r.warnings = assessments[i]->warnings;
    }
    const bool is_excluded = !excluded.empty() && excluded[i];
    if (is_excluded) r.reasons.push_back("already tried for this deploy");
    if (!sel.target && r.authorized && r.healthy && !is_excluded) {
      sel.target = i;
      r.chosen = true;
    } else if (sel.target && r.authorized && r.healthy && !is_excluded) {
      r.reasons.push_back("healthy, but " + policy.candidates[*sel.target].name + " comes first");
    }
    sel.candidates.push_back(std::move(r));
  }
  if (sel.target) {
    sel.labels = policy.candidates[*sel.target].labels;
    sel.diagnosis = "target " + policy.candidates[*sel.target].name;
  } else {
    sel.diagnosis = "no healthy authorized runner:";
    for (const auto& r : sel.candidates) {
      sel.diagnosis += " " + r.name + " (";
      for (std::size_t k = 0; k < r.reasons.size(); ++k) sel.diagnosis += (k ? "; " : "") + r.reasons[k];
      sel.diagnosis += ")";
    }
  }
  return sel;
}

namespace {

// The authorized candidates not excluded (offered: true) or, of those, the healthy ones.
std::vector<std::size_t> offered(const Policy& policy, const std::vector<std::optional<Assessment>>& assessments,
                                 const std::vector<bool>& excluded, bool healthy_only) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < policy.candidates.size(); ++i) {
    if (!policy.candidates[i].authorized_for_prod || (!excluded.empty() && excluded[i])) continue;
    if (healthy_only && !(assessments[i] && assessments[i]->healthy)) continue;
    out.push_back(i);
  }
  return out;
}

std::string names(const Policy& policy, const std::vector<std::size_t>& which, const char* separator) {
  std::string out;
  for (std::size_t i : which) out += (out.empty() ? "" : separator) + policy.candidates[i].name;
  return out;
}

void substitute_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

}  // namespace

PlannedCheck plan_selection(const Policy& policy, const std::vector<std::optional<Assessment>>& assessments,
                            const std::vector<bool>& excluded) {
  assert(policy.select);
  PlannedCheck p{"select", &*policy.select, {}, {}, {}};
  const std::string all = names(policy, offered(policy, assessments, excluded, false), " ");
  const std::string healthy = names(policy, offered(policy, assessments, excluded, true), " ");
  for (std::string arg : policy.select->command) {
    substitute_all(arg, "${candidates}", all);
    substitute_all(arg, "${healthy}", healthy);
    p.argv.push_back(std::move(arg));
  }
  return p;
}

Selection select_by_command(const Policy& policy, const std::vector<std::optional<Assessment>>& assessments,
                            const std::vector<bool>& excluded, const QueryOutcome& command) {
  Selection sel = select_target(policy, assessments, excluded);  // the candidates' reports
  const std::string& name = policy.select->name;
  for (auto& r : sel.candidates) r.chosen = false;
  sel.target.reset();
  sel.labels.clear();
  if (command.kind != QueryOutcome::Kind::kValue || command.value != 0) {
    const std::string how = command.kind == QueryOutcome::Kind::kValue ? "exited " + std::to_string(static_cast<int>(command.value))
                                                                        : command.error;
    sel.diagnosis = "the selection command " + name + " chose nobody: " + how +
                    (command.kind == QueryOutcome::Kind::kValue && !command.error.empty() ? " (" + command.error + ")" : "");
    return sel;
  }
  std::string line;
  for (std::size_t at = 0; at < command.output.size();) {
    const std::size_t end = command.output.find('\n', at);
    line = command.output.substr(at, end == std::string::npos ? std::string::npos : end - at);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty() || end == std::string::npos) break;
    at = end + 1;
  }
  const auto choices = offered(policy, assessments, excluded, false);
  for (std::size_t i : choices) {
    if (policy.candidates[i].name != line) continue;
    sel.target = i;
    sel.labels = policy.candidates[i].labels;
    sel.candidates[i].chosen = true;
    sel.diagnosis = "target " + line + " (chosen by the selection command " + name + ")";
    if (!(assessments[i] && assessments[i]->healthy)) {
      sel.diagnosis += "; the checks found it unhealthy" +
                       (assessments[i] && !assessments[i]->reasons.empty() ? ": " + assessments[i]->reasons.front() : std::string());
    }
    return sel;
  }
  sel.diagnosis = "the selection command " + name + " chose nobody: it printed \"" + line + "\", not one of the candidates it " +
                  "was offered (" + names(policy, choices, ", ") + ")";
  return sel;
}

}  // namespace failsim::failover
