// Production: the deploy target (PAWS360's stack, which as built lands on the runner
// that runs the job). A version, a deploy made of ordered idempotent steps, a partial
// state while a deploy is under way or after it was cut off, a health endpoint, and
// rollback to the previous version.
//
// Invariants it records rather than enforces (the harness reports them):
//  - concurrent mutators: two deploys applying steps at once (max_concurrent_mutators);
//  - partial state: steps of a version applied but the deploy not finished.
// Re-applying a step is harmless (idempotent), as deploy.sh re-applies every attempt.
//
// Thread safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failover/time.h"

namespace failsim::sim::production {

struct DeployRecord {
  std::int64_t deploy_id;
  std::string version;
  std::string runner;
  TimePoint started;
  std::optional<TimePoint> finished;
  bool completed = false;  // all steps applied
  bool rolled_back = false;
};

class Production {
 public:
  explicit Production(std::string initial_version, std::vector<std::string> steps = {"database", "backend", "frontend", "loadbalancer"});

  // A deploy of `version` starts mutating production. Overlap is recorded.
  void begin(std::int64_t deploy_id, const std::string& version, const std::string& runner, TimePoint now);
  // Applies step `index` of the deploy (idempotent).
  void apply_step(std::int64_t deploy_id, std::size_t index, TimePoint now);
  // All steps applied: the version becomes current and the previous one is kept.
  void finish(std::int64_t deploy_id, TimePoint now);
  // The deploy stopped without finishing (failure, cancellation, lost runner): whatever
  // it applied stays applied, so production may be partial.
  void abandon(std::int64_t deploy_id, TimePoint now);
  // Restores `version` cleanly (all steps), ending any partial state.
  void rollback(const std::string& version, TimePoint now);
  // Forces the health endpoint down (e.g. a bad release) or back to normal.
  void set_health_override(bool healthy) { health_override_ = healthy; }

  const std::string& current_version() const { return current_; }
  const std::string& previous_version() const { return previous_; }
  const std::vector<std::string>& steps() const { return steps_; }
  // Steps whose applied version differs from the current version.
  bool partial() const;
  // /actuator/health: UP when not partial and not overridden down.
  bool healthy() const { return !partial() && health_override_; }
  int max_concurrent_mutators() const { return max_mutators_; }
  const std::vector<DeployRecord>& history() const { return history_; }
  // The version each step currently runs.
  const std::vector<std::string>& step_versions() const { return applied_; }

 private:
  DeployRecord* find(std::int64_t deploy_id);

  std::vector<std::string> steps_;
  std::vector<std::string> applied_;
  std::string current_;
  std::string previous_;
  std::set<std::int64_t> mutating_;
  int max_mutators_ = 0;
  bool health_override_ = true;
  std::vector<DeployRecord> history_;
};

}  // namespace failsim::sim::production
