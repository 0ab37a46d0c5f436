// GitHub::describe_run: why a run has not finished, in one line a person can act on.
// Read-only over the model's state; the words follow what GitHub's own UI says where it
// says anything ("Waiting for a runner to pick up this job", "Waiting for pending jobs
// in concurrency group") and name every runner otherwise.
#include <algorithm>

#include "failover/duration.h"
#include "sim/github/github.h"

namespace failsim::sim::github {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

}  // namespace

std::string GitHub::describe_runner_for(const RunnerRecord& r, const JobSpec& job) const {
  std::vector<std::string> state;
  state.emplace_back(r.online ? "online" : "offline");
  if (r.job_id != 0) {
    const Job* held = this->job(r.job_id);
    state.push_back("busy with job " + (held != nullptr ? held->spec.name : std::string("?")) + " of run " +
                    std::to_string(held != nullptr ? held->run_id : 0));
  } else if (r.busy) {
    state.emplace_back("reserved by an offer");
  } else {
    state.emplace_back("idle");
  }
  std::vector<std::string> missing;
  for (const auto& want : job.runs_on) {
    if (!labels_match(r.labels, {want})) missing.push_back(want);
  }
  std::string why = join(state);
  if (!missing.empty()) why += "; missing: " + join(missing);
  if (!job.runs_on_group.empty() && lower(job.runs_on_group) != lower(r.group)) {
    why += "; in group " + r.group + ", not " + job.runs_on_group;
  }
  return r.name + " (" + why + ")";
}

std::string GitHub::describe_holder(const GroupItem& item) const {
  if (item.is_run) {
    const Run* r = run(item.id);
    return "run " + std::to_string(item.id) + (r != nullptr ? " (" + std::string(to_string(r->status)) + ")" : "");
  }
  const Job* j = job(item.id);
  if (j == nullptr) return "job " + std::to_string(item.id);
  std::string out = "job " + j->spec.name + " of run " + std::to_string(j->run_id) + " (" + to_string(j->status);
  if (!j->runner_name.empty()) out += " on " + j->runner_name;
  return out + ")";
}

std::string GitHub::describe_job(const Job& j) const {
  const std::string head = "job " + j.spec.name + " of run " + std::to_string(j.run_id);
  const Duration waited = engine_.now() - j.created_at;
  switch (j.status) {
    case Status::kPending: {
      const std::string key = lower(j.spec.concurrency.group);
      const auto g = groups_.find(key);
      std::string holder = "nothing (GitHub has not started it yet)";
      if (g != groups_.end() && g->second.running) holder = describe_holder(*g->second.running);
      return head + " waits in concurrency group \"" + j.spec.concurrency.group + "\" (for " + format_duration(waited) +
             "), held by " + holder;
    }
    case Status::kQueued: {
      if (!j.offered_to.empty()) {
        return head + " was offered to runner " + j.offered_to + ", which has not picked it up";
      }
      std::string want = "[" + join(j.spec.runs_on) + "]";
      if (!j.spec.runs_on_group.empty()) want += " in runner group " + j.spec.runs_on_group;
      std::vector<std::string> runners;
      bool any_match = false;
      for (const auto& [name, r] : runners_) {
        const bool group_ok = j.spec.runs_on_group.empty() || lower(j.spec.runs_on_group) == lower(r.group);
        any_match = any_match || (group_ok && labels_match(r.labels, j.spec.runs_on));
        runners.push_back(describe_runner_for(r, j.spec));
      }
      std::string out = head + " waits for a runner with all of " + want + " (queued " +
                        format_duration(engine_.now() - j.queued_at) + "): " +
                        (any_match ? "every runner that has them is offline or busy" : "no runner has them") + "; runners: " +
                        (runners.empty() ? std::string("none registered") : join(runners, "; "));
      if (degradation_ && degradation_->pickup_delay > Duration(0)) {
        out += "; GitHub is slow to offer jobs (pickup delay " + format_duration(degradation_->pickup_delay) + ")";
      }
      return out;
    }
    case Status::kInProgress: {
      std::string out = head + " is in progress on " + j.runner_name;
      if (!j.steps.empty()) out += ", step \"" + j.steps.back().name + "\"";
      if (j.last_renewal) out += "; last lock renewal " + format_duration(engine_.now() - *j.last_renewal) + " ago";
      if (j.cancel_requested) out += "; cancellation requested";
      return out;
    }
    case Status::kCompleted:
      return head + " completed: " + j.conclusion + (j.annotations.empty() ? "" : " (" + j.annotations.back() + ")");
    case Status::kWaiting: {
      const auto env = environments_.find(j.spec.environment);
      std::string rules;
      if (env != environments_.end()) {
        if (env->second.wait_timer > Duration(0)) rules = "wait timer " + format_duration(env->second.wait_timer);
        if (env->second.required_reviewers) {
          rules += std::string(rules.empty() ? "" : ", ") + "required reviewers (" +
                   (env->second.approval_after ? "they approve after " + format_duration(*env->second.approval_after)
                                               : std::string("nobody approves")) +
                   ")";
        }
      }
      return head + " waits for environment " + j.spec.environment + "'s protection rules (" + rules + "; waiting " +
             format_duration(waited) + ")";
    }
    case Status::kRequested:
      return head + " is " + to_string(j.status);
  }
  return head;
}

std::string GitHub::describe_run(std::int64_t run_id) const {
  const Run* r = run(run_id);
  if (r == nullptr) return "";
  const std::string head = "run " + std::to_string(run_id);
  if (r->status == Status::kCompleted) {
    for (auto it = r->job_ids.rbegin(); it != r->job_ids.rend(); ++it) {
      const Job* j = job(*it);
      if (j != nullptr && j->conclusion != "success") return head + " completed " + r->conclusion + ": " + describe_job(*j);
    }
    return head + " completed " + r->conclusion;
  }
  if (r->status == Status::kPending && !r->workflow.concurrency.group.empty()) {
    const std::string key = lower(r->workflow.concurrency.group);
    const auto g = groups_.find(key);
    std::string holder = "nothing";
    if (g != groups_.end() && g->second.running) holder = describe_holder(*g->second.running);
    return head + " waits in workflow concurrency group \"" + r->workflow.concurrency.group + "\", held by " + holder;
  }
  for (auto it = r->job_ids.rbegin(); it != r->job_ids.rend(); ++it) {
    const Job* j = job(*it);
    if (j != nullptr && j->attempt == r->attempt && j->status != Status::kCompleted) return describe_job(*j);
  }
  return head + " is " + to_string(r->status) + " between jobs";
}

}  // namespace failsim::sim::github
