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

}  // namespace failsim::failover
