// Target selection over the policy's ordered candidates.
//
// The first candidate (in policy order) that is authorized for production, not
// excluded (e.g. it already failed this deploy), and healthy is the target. Each
// candidate's report says why it was or was not chosen. Candidates that are not
// authorized are never queried: pass nullopt for their assessment.
//
// Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failover/health.h"
#include "failover/policy.h"

namespace failsim::failover {

struct CandidateReport {
  std::string name;
  bool authorized = false;
  bool healthy = false;
  bool chosen = false;
  std::vector<std::string> reasons;   // why not chosen (or empty when chosen)
  std::vector<std::string> warnings;
};

struct Selection {
  std::optional<std::size_t> target;  // index into policy.candidates
  std::vector<std::string> labels;    // runs-on labels of the target (empty if none)
  std::vector<CandidateReport> candidates;
  std::string diagnosis;  // one line: who was chosen, or why nobody was
};

// REQUIRES: assessments.size() == policy.candidates.size(); excluded is empty or the
// same size.
Selection select_target(const Policy& policy, const std::vector<std::optional<Assessment>>& assessments,
                        const std::vector<bool>& excluded = {});

// The team's selection command (policy.select), planned after the checks: ${candidates}
// is the authorized candidates not excluded, ${healthy} those the checks found healthy,
// each one argument of names separated by spaces (in policy order).
// REQUIRES: policy.select.
PlannedCheck plan_selection(const Policy& policy, const std::vector<std::optional<Assessment>>& assessments,
                            const std::vector<bool>& excluded = {});

// What a selection command chose. It chooses when it exits 0 and the first non-empty
// line of its stdout names a candidate it was offered (${candidates}): that one, even if
// the checks found it unhealthy (the team's logic decides; the diagnosis says so).
// Anything else chooses nobody, and the diagnosis says why (its exit, or the name it
// printed and the names it was offered).
Selection select_by_command(const Policy& policy, const std::vector<std::optional<Assessment>>& assessments,
                            const std::vector<bool>& excluded, const QueryOutcome& command);

}  // namespace failsim::failover
