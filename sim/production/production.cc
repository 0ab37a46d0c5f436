#include "sim/production/production.h"

#include <algorithm>

namespace failsim::sim::production {

Production::Production(std::string initial_version, std::vector<std::string> steps)
    : steps_(std::move(steps)), applied_(steps_.size(), initial_version), current_(std::move(initial_version)) {}

DeployRecord* Production::find(std::int64_t deploy_id) {
  for (auto& r : history_) {
    if (r.deploy_id == deploy_id) return &r;
  }
  return nullptr;
}

void Production::begin(std::int64_t deploy_id, const std::string& version, const std::string& runner, TimePoint now) {
  if (find(deploy_id) == nullptr) history_.push_back(DeployRecord{deploy_id, version, runner, now, std::nullopt, false, false});
  mutating_.insert(deploy_id);
  max_mutators_ = std::max(max_mutators_, static_cast<int>(mutating_.size()));
}

void Production::apply_step(std::int64_t deploy_id, std::size_t index, TimePoint /*now*/) {
  const DeployRecord* r = find(deploy_id);
  if (r == nullptr || index >= applied_.size()) return;
  applied_[index] = r->version;
}

void Production::finish(std::int64_t deploy_id, TimePoint now) {
  DeployRecord* r = find(deploy_id);
  if (r == nullptr) return;
  for (auto& v : applied_) v = r->version;
  if (current_ != r->version) {
    previous_ = current_;
    current_ = r->version;
  }
  r->completed = true;
  r->finished = now;
  mutating_.erase(deploy_id);
}

void Production::abandon(std::int64_t deploy_id, TimePoint now) {
  DeployRecord* r = find(deploy_id);
  if (r != nullptr && !r->finished) r->finished = now;
  mutating_.erase(deploy_id);
}

void Production::rollback(const std::string& version, TimePoint now) {
  for (auto& v : applied_) v = version;
  if (current_ != version) {
    previous_ = current_;
    current_ = version;
  }
  for (auto& r : history_) {
    if (!r.completed && r.finished && *r.finished <= now) r.rolled_back = true;
  }
}

bool Production::partial() const {
  return std::any_of(applied_.begin(), applied_.end(), [this](const std::string& v) { return v != current_; });
}

}  // namespace failsim::sim::production
