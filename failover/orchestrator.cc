#include "failover/orchestrator.h"

#include <algorithm>

#include "failover/duration.h"

namespace failsim::failover {
namespace {

Action make(Action::Kind kind) {
  Action a{};
  a.kind = kind;
  return a;
}

void append(std::vector<Action>& to, std::vector<Action> more) {
  for (auto& a : more) to.push_back(std::move(a));
}

}  // namespace

DeployOrchestrator::DeployOrchestrator(const Policy& policy, std::string version, std::string previous_version)
    : policy_(policy),
      version_(std::move(version)),
      previous_version_(std::move(previous_version)),
      tried_(policy.candidates.size(), false) {}

void DeployOrchestrator::note(TimePoint now, Decision::Kind kind, std::string message,
                              std::vector<std::string> reasons) {
  log_.push_back(Decision{now, kind, std::move(message), std::move(reasons)});
}

void DeployOrchestrator::noticed(TimePoint now) {
  if (!first_noticed_) first_noticed_ = now;
}

std::vector<Action> DeployOrchestrator::ignored(TimePoint now, const std::string& input) {
  note(now, Decision::Kind::kIgnored, input + " does not fit the current state; ignored");
  return {};
}

std::vector<Action> DeployOrchestrator::start(TimePoint now) {
  if (state_ != State::kIdle) return ignored(now, "start");
  if (policy_.placement == GatePlacement::kBeforeDispatch) return gate_candidates(now);
  return dispatch(now, 0);
}

std::vector<Action> DeployOrchestrator::adopt_queued_job(TimePoint now, std::size_t candidate, const std::string& why) {
  if (state_ != State::kIdle) return ignored(now, "adopt a queued job");
  candidate = std::min(candidate, policy_.candidates.size() - 1);
  tried_[candidate] = true;
  ++dispatches_;
  current_candidate_ = candidate;
  state_ = State::kAwaitAssign;
  note(now, Decision::Kind::kDispatch, why);
  return {};
}

std::vector<Action> DeployOrchestrator::gate_candidates(TimePoint now) {
  gated_.clear();
  plans_.clear();
  Action q = make(Action::Kind::kRunQueries);
  for (std::size_t i = 0; i < policy_.candidates.size(); ++i) {
    const Candidate& c = policy_.candidates[i];
    if (!c.authorized_for_prod || tried_[i]) continue;
    gated_.push_back(i);
    plans_.push_back(plan_checks(policy_, c, c.hostname.value_or(std::string())));
    for (const auto& p : plans_.back()) {
      q.queries.push_back(p.query);
      q.checks.push_back(p);
    }
  }
  state_ = State::kGating;
  note(now, Decision::Kind::kGate,
       "assessing " + std::to_string(gated_.size()) + " candidate(s) before dispatch");
  if (q.queries.empty()) return on_query_results(now, {});
  return {std::move(q)};
}

std::vector<Action> DeployOrchestrator::dispatch(TimePoint now, std::size_t candidate) {
  tried_[candidate] = true;
  ++dispatches_;
  current_candidate_ = candidate;
  attempt_ = 0;
  runner_.clear();
  hostname_.clear();
  state_ = State::kAwaitAssign;
  Action a = make(Action::Kind::kDispatch);
  a.candidate = candidate;
  a.labels = policy_.candidates[candidate].labels;
  std::string labels;
  for (const auto& l : a.labels) labels += (labels.empty() ? "" : ", ") + l;
  note(now, Decision::Kind::kDispatch,
       "dispatch " + std::to_string(dispatches_) + " of at most " + std::to_string(policy_.max_dispatches) +
           ": deploy job with runs-on [" + labels + "]");
  return {std::move(a)};
}

std::vector<Action> DeployOrchestrator::on_query_results(TimePoint now, const std::vector<QueryOutcome>& outcomes) {
  std::size_t expected = 0;
  for (const auto& p : plans_) expected += p.size();
  if (state_ == State::kSelecting && outcomes.size() == 1) {
    selection_ = select_by_command(policy_, assessments_, tried_, outcomes[0]);
    return select(now);
  }
  if ((state_ != State::kGating && state_ != State::kInJobChecks) || outcomes.size() != expected) {
    return ignored(now, "query results (" + std::to_string(outcomes.size()) + " for " +
                            std::to_string(expected) + " queries)");
  }
  if (state_ == State::kInJobChecks) {
    const Candidate& c = policy_.candidates[current_candidate_];
    const Assessment a = assess(c, plans_[0], outcomes);
    // Preflight is a step of its own that runs first: its failure is reported alone.
    std::vector<std::string> failing;
    for (const auto& r : a.checks) {
      if (r.verdict == Verdict::kFail && r.stage == "preflight") failing.push_back(r.reason);
    }
    if (failing.empty()) failing = a.reasons;
    note(now, Decision::Kind::kGate,
         (a.healthy ? "runner " + runner_ + " passes preflight and gate"
                    : "runner " + runner_ + " fails " + (failing.front().rfind("preflight", 0) == 0 ? "preflight" : "the health gate")),
         a.healthy ? a.warnings : failing);
    if (!a.healthy) {
      noticed(now);
      return deploy_failed(now, "runner " + runner_ + " unhealthy: " + failing.front(), true);
    }
    return run_attempt(now);
  }

  // Before dispatch: assess every gated candidate, then select.
  std::vector<std::optional<Assessment>> assessments(policy_.candidates.size());
  std::size_t offset = 0;
  for (std::size_t k = 0; k < gated_.size(); ++k) {
    const std::vector<QueryOutcome> mine(outcomes.begin() + static_cast<std::ptrdiff_t>(offset),
                                         outcomes.begin() + static_cast<std::ptrdiff_t>(offset + plans_[k].size()));
    offset += plans_[k].size();
    assessments[gated_[k]] = assess(policy_.candidates[gated_[k]], plans_[k], mine);
    const Assessment& a = *assessments[gated_[k]];
    note(now, Decision::Kind::kGate, a.candidate + (a.healthy ? " is healthy" : " is unhealthy"),
         a.healthy ? a.warnings : a.reasons);
    if (!a.healthy) noticed(now);
  }
  if (policy_.select) {  // the team's selection command chooses
    assessments_ = std::move(assessments);
    plans_ = {{plan_selection(policy_, assessments_, tried_)}};
    state_ = State::kSelecting;
    Action q = make(Action::Kind::kRunQueries);
    q.queries.push_back("");
    q.checks.push_back(plans_[0][0]);
    return {std::move(q)};
  }
  selection_ = select_target(policy_, assessments, tried_);
  return select(now);
}

std::vector<Action> DeployOrchestrator::select(TimePoint now) {
  note(now, Decision::Kind::kSelect, selection_->diagnosis);
  if (!selection_->target) {
    return give_up(now, dispatches_ == 0 ? "fail fast: " + selection_->diagnosis : selection_->diagnosis);
  }
  return dispatch(now, *selection_->target);
}

std::vector<Action> DeployOrchestrator::on_job_waiting(TimePoint now) {
  if (state_ != State::kAwaitAssign || policy_.pickup_timeout <= Duration(0) || pickup_deadline_) return {};
  pickup_deadline_ = now + policy_.pickup_timeout;
  Action w = make(Action::Kind::kWaitUntil);
  w.wake_at = *pickup_deadline_;
  return {std::move(w)};
}

std::vector<Action> DeployOrchestrator::on_job_assigned(TimePoint now, const std::string& runner,
                                                        const std::string& hostname) {
  if (state_ != State::kAwaitAssign) return ignored(now, "job assigned to " + runner);
  if (pickup_deadline_) stale_pickups_.push_back(*pickup_deadline_);
  pickup_deadline_.reset();
  runner_ = runner;
  hostname_ = hostname;
  note(now, Decision::Kind::kAssigned, "deploy job running on " + runner + " (host " + hostname + ")");
  if (policy_.placement == GatePlacement::kInJob) {
    plans_ = {plan_checks(policy_, policy_.candidates[current_candidate_], hostname, runner)};
    if (!plans_[0].empty()) {
      state_ = State::kInJobChecks;
      Action q = make(Action::Kind::kRunQueries);
      for (const auto& p : plans_[0]) {
        q.queries.push_back(p.query);
        q.checks.push_back(p);
      }
      return {std::move(q)};
    }
  }
  return run_attempt(now);
}

std::vector<Action> DeployOrchestrator::run_attempt(TimePoint now) {
  ++attempt_;
  ++total_attempts_;
  production_touched_ = true;
  state_ = State::kAttempting;
  Action a = make(Action::Kind::kRunAttempt);
  a.attempt = attempt_;
  a.timeout = policy_.retry.attempt_timeout;
  a.version = version_;
  note(now, Decision::Kind::kAttempt,
       "deploy " + version_ + " attempt " + std::to_string(attempt_) + " of " +
           std::to_string(policy_.retry.max_attempts) + " on " + runner_ + " (timeout " +
           format_duration(a.timeout) + ")");
  return {std::move(a)};
}

std::vector<Action> DeployOrchestrator::on_attempt_result(TimePoint now, AttemptResult result, double u) {
  if (state_ != State::kAttempting) return ignored(now, std::string("attempt result ") + to_string(result));
  const RetryDecision d = decide_retry(policy_.retry, attempt_, result, u);
  note(now, Decision::Kind::kRetry, d.reason);
  if (result == AttemptResult::kSuccess) {
    if (policy_.post_deploy_check) {
      state_ = State::kPostCheck;
      return {make(Action::Kind::kPostDeployCheck)};
    }
    Action done = make(Action::Kind::kCompleteJob);
    done.job_success = true;
    std::vector<Action> out{std::move(done)};
    deployed_on_ = runner_;
    append(out, finish(now, Outcome::kDeployed, "deployed " + version_ + " on " + runner_));
    return out;
  }
  if (d.retry || d.wait > Duration(0)) {
    state_ = State::kWaiting;
    fail_after_wait_ = !d.retry;
    pending_failure_ = d.reason;
    retry_wake_ = now + d.wait;
    Action w = make(Action::Kind::kWaitUntil);
    w.wake_at = retry_wake_;
    return {std::move(w)};
  }
  return deploy_failed(now, d.reason, true);
}

std::vector<Action> DeployOrchestrator::on_timer(TimePoint now) {
  if (state_ == State::kAwaitAssign && pickup_deadline_ && now >= *pickup_deadline_) {
    // Not picked up: its runner went away after the gate. Cancel it and fail over.
    pickup_deadline_.reset();
    noticed(now);
    const std::string why = "the deploy job was not picked up within " + format_duration(policy_.pickup_timeout) +
                            " of entering the runner queue (its runner is offline or busy)";
    std::vector<Action> out{make(Action::Kind::kCancelRun)};
    if (policy_.redispatch_on_lost && dispatches_ < policy_.max_dispatches) {
      note(now, Decision::Kind::kFailover, "cancelling the run and failing over: " + why);
      append(out, policy_.placement == GatePlacement::kBeforeDispatch ? gate_candidates(now)
                                                                       : dispatch(now, current_candidate_));
      return out;
    }
    note(now, Decision::Kind::kFailover, "cancelling the run: " + why);
    append(out, give_up(now, why));
    return out;
  }
  if (const auto stale = std::find(stale_pickups_.begin(), stale_pickups_.end(), now); stale != stale_pickups_.end()) {
    stale_pickups_.erase(stale);  // the job was picked up in time
    return {};
  }
  if (state_ != State::kWaiting || now < retry_wake_) return ignored(now, "timer");
  if (fail_after_wait_) return deploy_failed(now, pending_failure_, true);
  return run_attempt(now);
}

std::vector<Action> DeployOrchestrator::on_post_check(TimePoint now, bool healthy) {
  if (state_ != State::kPostCheck) return ignored(now, "post-deploy check result");
  if (!healthy && policy_.post_deploy_enforced) {
    note(now, Decision::Kind::kPostCheck, "post-deploy check failed; the policy enforces it");
    return deploy_failed(now, "post-deploy health check failed after deploying " + version_, true);
  }
  std::string diagnosis = "deployed " + version_ + " on " + runner_;
  if (!healthy) {
    note(now, Decision::Kind::kPostCheck, "post-deploy check failed; ignored (the policy does not enforce it)");
    diagnosis += " (post-deploy check failed and was ignored)";
  } else {
    note(now, Decision::Kind::kPostCheck, "post-deploy check passed");
  }
  Action done = make(Action::Kind::kCompleteJob);
  done.job_success = true;
  std::vector<Action> out{std::move(done)};
  deployed_on_ = runner_;
  append(out, finish(now, Outcome::kDeployed, diagnosis));
  return out;
}

std::vector<Action> DeployOrchestrator::on_job_ended(TimePoint now, JobEnd why) {
  if (state_ == State::kIdle || state_ == State::kGating || state_ == State::kSelecting || state_ == State::kRollingBack ||
      state_ == State::kDone) {
    return ignored(now, std::string("job ended (") + to_string(why) + ")");
  }
  const std::string where = runner_.empty() ? "before a runner took it" : "on " + runner_;
  if (why == JobEnd::kCancelled) {
    note(now, Decision::Kind::kOutcome, "deploy job cancelled " + where);
    cancelled_ = true;
    return give_up(now, "run cancelled " + where);
  }
  noticed(now);
  const std::string reason = why == JobEnd::kLost ? "the runner " + runner_ + " lost communication with GitHub; the job failed"
                             : why == JobEnd::kExpired
                                 ? "the deploy job was never started: no runner took it before GitHub's queue time-to-live ended it"
                                 : "the deploy job reached timeout-minutes " + where;
  return deploy_failed(now, reason, false, why == JobEnd::kLost);
}

std::vector<Action> DeployOrchestrator::on_upstream_ended(TimePoint now, JobEnd why, const std::string& upstream) {
  if (state_ == State::kIdle || state_ == State::kGating || state_ == State::kSelecting || state_ == State::kRollingBack ||
      state_ == State::kDone || !runner_.empty()) {
    return ignored(now, "upstream job " + upstream + " ended (" + to_string(why) + ")");
  }
  if (why == JobEnd::kCancelled) {
    note(now, Decision::Kind::kOutcome, "run cancelled during its job " + upstream + ", before the deploy job");
    cancelled_ = true;
    return give_up(now, "run cancelled during its job " + upstream);
  }
  noticed(now);
  const std::string reason = "the run failed before its deploy job: job " + upstream +
                             (why == JobEnd::kLost      ? " lost communication with GitHub"
                              : why == JobEnd::kExpired ? " was never started (GitHub's queue time-to-live ended it)"
                                                        : " reached timeout-minutes");
  return deploy_failed(now, reason, false, why == JobEnd::kLost);
}

std::vector<Action> DeployOrchestrator::on_dispatch_failed(TimePoint now, const std::string& why) {
  if (state_ != State::kAwaitAssign || !runner_.empty()) return ignored(now, "dispatch failed (" + why + ")");
  noticed(now);
  return deploy_failed(now, "GitHub refused the workflow dispatch: " + why, false, false);
}

std::vector<Action> DeployOrchestrator::deploy_failed(TimePoint now, const std::string& why, bool job_alive,
                                                      bool lost) {
  std::vector<Action> out;
  if (job_alive) {
    Action end = make(Action::Kind::kCompleteJob);
    end.job_success = false;
    out.push_back(std::move(end));
  }
  const bool may_redispatch = lost ? policy_.redispatch_on_lost : policy_.redispatch_on_failure;
  if (may_redispatch && dispatches_ < policy_.max_dispatches) {
    noticed(now);
    note(now, Decision::Kind::kFailover, "failing over after: " + why);
    if (policy_.placement == GatePlacement::kBeforeDispatch) {
      append(out, gate_candidates(now));
    } else {
      append(out, dispatch(now, current_candidate_));
    }
    return out;
  }
  if (may_redispatch) {
    note(now, Decision::Kind::kFailover,
         "no failover: " + std::to_string(dispatches_) + " dispatch(es) used of " +
             std::to_string(policy_.max_dispatches));
  }
  append(out, give_up(now, why));
  return out;
}

std::vector<Action> DeployOrchestrator::give_up(TimePoint now, const std::string& why) {
  if (production_touched_ && policy_.rollback == Rollback::kPreviousVersion) {
    state_ = State::kRollingBack;
    pending_failure_ = why;
    note(now, Decision::Kind::kRollback, "rolling back to " + previous_version_ + " after: " + why);
    Action r = make(Action::Kind::kRollback);
    r.version = previous_version_;
    return {std::move(r)};
  }
  std::string diagnosis = why;
  if (production_touched_ && !cancelled_) {
    note(now, Decision::Kind::kRollback, "the rollback step does nothing (policy rollback: none)");
    diagnosis += "; nothing was rolled back";
  }
  return finish(now, cancelled_ ? Outcome::kCancelled : Outcome::kFailed, diagnosis);
}

std::vector<Action> DeployOrchestrator::on_rollback_done(TimePoint now, bool ok) {
  if (state_ != State::kRollingBack) return ignored(now, "rollback result");
  if (cancelled_) {
    return finish(now, Outcome::kCancelled,
                  pending_failure_ + (ok ? "; rolled back to " + previous_version_ : "; rollback failed"));
  }
  if (!ok) return finish(now, Outcome::kFailed, pending_failure_ + "; rollback to " + previous_version_ + " failed");
  return finish(now, Outcome::kRolledBack, pending_failure_ + "; rolled back to " + previous_version_);
}

std::vector<Action> DeployOrchestrator::finish(TimePoint now, Outcome outcome, const std::string& diagnosis) {
  state_ = State::kDone;
  outcome_ = outcome;
  diagnosis_ = diagnosis;
  note(now, Decision::Kind::kOutcome, std::string(to_string(outcome)) + ": " + diagnosis);
  return {make(Action::Kind::kDone)};
}

std::string DeployOrchestrator::waiting_for() const {
  const std::string on = runner_.empty() ? "" : " on " + runner_;
  switch (state_) {
    case State::kIdle: return "not started";
    case State::kGating: return "waiting for the health gate's query results";
    case State::kSelecting: return "waiting for the selection command " + policy_.select->name;
    case State::kAwaitAssign: {
      std::string out = "dispatch " + std::to_string(dispatches_) + " sent (candidate " +
                        (current_candidate_ < policy_.candidates.size() ? policy_.candidates[current_candidate_].name
                                                                         : std::string("?")) +
                        "); waiting for GitHub to start the deploy job on a runner";
      if (policy_.pickup_timeout <= Duration(0)) out += " (the policy has no pickup_timeout, so it waits as long as GitHub does)";
      return out;
    }
    case State::kInJobChecks: return "waiting for the in-job preflight and gate" + on;
    case State::kAttempting: return "deploy attempt " + std::to_string(attempt_) + " running" + on;
    case State::kWaiting: return "waiting between deploy attempts" + on;
    case State::kPostCheck: return "waiting for the post-deploy check" + on;
    case State::kRollingBack: return "rolling back" + on;
    case State::kDone: return "";
  }
  return "";
}

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kPending: return "pending";
    case Outcome::kDeployed: return "deployed";
    case Outcome::kFailed: return "failed";
    case Outcome::kRolledBack: return "rolled_back";
    case Outcome::kCancelled: return "cancelled";
  }
  return "?";
}

const char* to_string(JobEnd e) {
  switch (e) {
    case JobEnd::kLost: return "lost communication";
    case JobEnd::kCancelled: return "cancelled";
    case JobEnd::kTimedOut: return "timed out";
    case JobEnd::kExpired: return "expired in the queue";
  }
  return "?";
}

const char* to_string(Decision::Kind k) {
  switch (k) {
    case Decision::Kind::kGate: return "gate";
    case Decision::Kind::kSelect: return "select";
    case Decision::Kind::kDispatch: return "dispatch";
    case Decision::Kind::kAssigned: return "assigned";
    case Decision::Kind::kAttempt: return "attempt";
    case Decision::Kind::kRetry: return "retry";
    case Decision::Kind::kFailover: return "failover";
    case Decision::Kind::kPostCheck: return "post_check";
    case Decision::Kind::kRollback: return "rollback";
    case Decision::Kind::kOutcome: return "outcome";
    case Decision::Kind::kIgnored: return "ignored";
  }
  return "?";
}

}  // namespace failsim::failover
