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

}  // namespace failsim::failover
