#include "sim/github/github.h"

#include <algorithm>
#include <cctype>

namespace failsim::sim::github {

const char* to_string(Status s) {
  switch (s) {
    case Status::kQueued: return "queued";
    case Status::kPending: return "pending";
    case Status::kInProgress: return "in_progress";
    case Status::kCompleted: return "completed";
    case Status::kWaiting: return "waiting";
    case Status::kRequested: return "requested";
  }
  return "?";
}

GitHub::GitHub(Engine& engine, Rng rng, GitHubTimings timings)
    : engine_(engine), rng_(std::move(rng)), timings_(std::move(timings)) {}

std::string GitHub::lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool GitHub::labels_match(const std::vector<std::string>& runner_labels, const std::vector<std::string>& runs_on) {
  for (const auto& want : runs_on) {
    const std::string w = lower(want);
    bool found = false;
    for (const auto& have : runner_labels) found = found || lower(have) == w;
    if (!found) return false;
  }
  return true;
}

const Job* GitHub::job(std::int64_t id) const {
  const auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

const Run* GitHub::run(std::int64_t id) const {
  const auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : &it->second;
}

void GitHub::emit(JobEvent::Kind kind, std::int64_t job_id) {
  const JobEvent e{kind, job_id, engine_.now()};
  for (const auto& l : job_listeners_) l(e);
}

// ---- runners ---------------------------------------------------------------------

std::int64_t GitHub::register_runner(const std::string& name, std::vector<std::string> labels, std::string group) {
  RunnerRecord& r = runners_[name];
  if (r.id == 0) r.id = next_id_++;
  r.name = name;
  r.labels = std::move(labels);
  r.group = std::move(group);
  return r.id;
}

void GitHub::poll(const std::string& runner) {
  auto it = runners_.find(runner);
  if (it == runners_.end()) return;
  const bool was_online = it->second.online;
  it->second.online = true;
  it->second.last_poll = engine_.now();
  const std::string name = runner;
  engine_.schedule_after(timings_.offline_after_last_poll, [this, name] {
    auto r = runners_.find(name);
    if (r != runners_.end() && r->second.last_poll &&
        engine_.now() - *r->second.last_poll >= timings_.offline_after_last_poll) {
      r->second.online = false;
    }
  });
  if (!was_online) try_assign();
}

void GitHub::runner_stopped(const std::string& runner) {
  auto it = runners_.find(runner);
  if (it == runners_.end()) return;
  it->second.online = false;
  it->second.last_poll.reset();
  if (it->second.job_id != 0) {
    finish_job(it->second.job_id, "failure",
               "The runner has received a shutdown signal. This can happen when the runner service is stopped, "
               "or a manually started runner is canceled.");
  }
}

bool GitHub::pick_up(const std::string& runner, std::int64_t job_id) {
  auto jt = jobs_.find(job_id);
  auto rt = runners_.find(runner);
  if (jt == jobs_.end() || rt == runners_.end()) return false;
  Job& j = jt->second;
  if (j.status != Status::kQueued || j.offered_to != runner) return false;
  engine_.cancel(j.pickup_timer);
  engine_.cancel(j.queue_timer);
  j.offered_to.clear();
  j.status = Status::kInProgress;
  j.runner_name = runner;
  j.started_at = engine_.now();
  j.last_renewal = engine_.now();
  j.steps.push_back(JobStep{1, "Set up job", Status::kCompleted, "success", engine_.now(), engine_.now()});
  rt->second.busy = true;
  rt->second.job_id = job_id;
  const int minutes = j.spec.timeout_minutes.value_or(timings_.default_timeout_minutes);
  j.timeout_timer = engine_.schedule_after(std::chrono::minutes(minutes), [this, job_id, minutes, runner] {
    finish_job(job_id, timings_.timeout_conclusion,
               "The job running on runner " + runner + " has exceeded the maximum execution time of " +
                   std::to_string(minutes) + " minutes.");
  });
  arm_lost_timer(j);
  Run& r = runs_[j.run_id];
  r.status = Status::kInProgress;
  r.updated_at = engine_.now();
  emit(JobEvent::Kind::kStarted, job_id);
  return true;
}

void GitHub::arm_lost_timer(Job& j) {
  engine_.cancel(j.lost_timer);
  const std::int64_t job_id = j.id;
  j.lost_timer = engine_.schedule_after(timings_.lost_communication_delay, [this, job_id] {
    Job& job = jobs_[job_id];
    auto r = runners_.find(job.runner_name);
    if (r != runners_.end()) r->second.online = false;
    finish_job(job_id, "failure",
               "The self-hosted runner: " + job.runner_name +
                   " lost communication with the server. Verify the machine is running and has a healthy network "
                   "connection. Anything in your workflow that terminates the runner process, starves it for "
                   "CPU/Memory, or blocks its network access can cause this error.");
  });
}

void GitHub::renew_lock(const std::string& runner, std::int64_t job_id) {
  auto jt = jobs_.find(job_id);
  if (jt == jobs_.end() || jt->second.status != Status::kInProgress || jt->second.runner_name != runner) return;
  jt->second.last_renewal = engine_.now();
  arm_lost_timer(jt->second);
}

void GitHub::complete_job(std::int64_t job_id, bool success) {
  auto jt = jobs_.find(job_id);
  if (jt == jobs_.end() || jt->second.status != Status::kInProgress) return;
  finish_job(job_id, jt->second.cancel_requested ? "cancelled" : (success ? "success" : "failure"));
}

// ---- runs, jobs and the queue ------------------------------------------------------

void GitHub::begin_step(std::int64_t job_id, const std::string& name) {
  auto jt = jobs_.find(job_id);
  if (jt == jobs_.end() || jt->second.status != Status::kInProgress) return;
  end_step(job_id, "success");
  Job& j = jt->second;
  j.steps.push_back(JobStep{static_cast<int>(j.steps.size()) + 1, name, Status::kInProgress, "", engine_.now(), std::nullopt});
}

void GitHub::end_step(std::int64_t job_id, const std::string& conclusion) {
  auto jt = jobs_.find(job_id);
  if (jt == jobs_.end() || jt->second.steps.empty()) return;
  JobStep& s = jt->second.steps.back();
  if (s.status == Status::kCompleted) return;
  s.status = Status::kCompleted;
  s.conclusion = conclusion;
  s.completed_at = engine_.now();
}

Result<std::int64_t> GitHub::dispatch(const WorkflowSpec& workflow, const std::string& ref) {
  if (workflow.jobs.empty()) return Result<std::int64_t>::error("the workflow has no jobs");
  if ((workflow.concurrency.queue_max && workflow.concurrency.cancel_in_progress)) {
    return Result<std::int64_t>::error("queue: max cannot be combined with cancel-in-progress: true");
  }
  for (const auto& j : workflow.jobs) {
    if (j.concurrency.queue_max && j.concurrency.cancel_in_progress) {
      return Result<std::int64_t>::error("job " + j.name + ": queue: max cannot be combined with cancel-in-progress: true");
    }
  }
  Run r;
  r.id = next_id_++;
  r.workflow = workflow;
  r.ref = ref;
  r.created_at = r.updated_at = r.started_at = engine_.now();
  const std::int64_t id = r.id;
  runs_.emplace(id, std::move(r));
  if (!workflow.concurrency.group.empty()) {
    enter_group(workflow.concurrency, GroupItem{true, id});
  } else {
    start_run(id);
  }
  return Result<std::int64_t>::ok(id);
}

void GitHub::start_run(std::int64_t run_id) {
  Run& r = runs_[run_id];
  r.status = Status::kQueued;
  r.updated_at = engine_.now();
  start_next_job(run_id);
}

void GitHub::start_next_job(std::int64_t run_id) {
  Run& r = runs_[run_id];
  if (r.status == Status::kCompleted) return;
  if (r.next_job >= r.workflow.jobs.size()) {
    finish_run(run_id, "success");
    return;
  }
  Job j;
  j.id = next_id_++;
  j.run_id = run_id;
  j.spec = r.workflow.jobs[r.next_job++];
  j.attempt = r.attempt;
  j.created_at = engine_.now();
  const std::int64_t id = j.id;
  r.job_ids.push_back(id);
  jobs_.emplace(id, std::move(j));
  emit(JobEvent::Kind::kQueued, id);
  const auto env = jobs_[id].spec.environment.empty() ? environments_.end() : environments_.find(jobs_[id].spec.environment);
  if (env == environments_.end()) {
    admit_job(id);
    return;
  }
  const EnvironmentSpec& e = env->second;
  const std::string ref = r.ref.rfind("refs/heads/", 0) == 0 ? r.ref.substr(11) : r.ref;
  if (!e.branches.empty() && std::find(e.branches.begin(), e.branches.end(), ref) == e.branches.end()) {
    finish_job(id, "failure",
               "Branch \"" + ref + "\" is not allowed to deploy to " + env->first + " due to environment protection rules.");
    return;
  }
  Duration hold = e.wait_timer;
  if (e.required_reviewers) hold = std::max(hold, e.approval_after.value_or(kEnvironmentApprovalLimit));
  if (hold <= Duration(0)) {
    admit_job(id);
    return;
  }
  jobs_[id].status = Status::kWaiting;
  const bool approved = !e.required_reviewers || e.approval_after.has_value();
  const std::string name = env->first;
  jobs_[id].queue_timer = engine_.schedule_after(hold, [this, id, approved, name] {
    if (jobs_[id].status != Status::kWaiting) return;
    if (!approved) {
      finish_job(id, "failure", "The deployment to " + name + " was not approved within 30 days.");
      return;
    }
    admit_job(id);
  });
}

void GitHub::admit_job(std::int64_t id) {
  const Job& job = jobs_[id];
  if (!job.spec.concurrency.group.empty()) {
    enter_group(job.spec.concurrency, GroupItem{false, id});
  } else {
    enqueue_job(id);
  }
}

void GitHub::enqueue_job(std::int64_t job_id) {
  Job& j = jobs_[job_id];
  j.status = Status::kQueued;
  j.queued_at = engine_.now();
  queue_.push_back(job_id);
  j.queue_timer = engine_.schedule_after(timings_.queue_ttl, [this, job_id] {
    finish_job(job_id, timings_.queue_ttl_conclusion, kQueueExpiredAnnotation);
  });
  emit(JobEvent::Kind::kWaitingForRunner, job_id);
  try_assign();
}

void GitHub::set_degradation(std::optional<ApiDegradation> d) {
  degradation_ = std::move(d);
  try_assign();  // jobs held back by a slow pickup that has ended
}

std::optional<ApiRefusal> refuse_rest_call(const ApiDegradation& d, Rng& draws) {
  // A5: a spent token gets 403 with GitHub's message.
  if (d.rate_limited) {
    return ApiRefusal{403, "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please "
                           "include the request ID."};
  }
  const bool fails = d.error_rate >= 1 || (d.error_rate > 0 && draws.bernoulli(d.error_rate));
  if (!fails) return std::nullopt;
  return ApiRefusal{d.status, d.status == 500 ? "Server Error" : d.status == 502 ? "Bad Gateway" : "Service Unavailable"};
}

std::optional<ApiRefusal> GitHub::refuse_rest_call(Rng& draws) const {
  if (!degradation_) return std::nullopt;
  return github::refuse_rest_call(*degradation_, draws);
}

void GitHub::try_assign() {
  const Duration hold = degradation_ ? degradation_->pickup_delay : Duration(0);
  for (std::size_t qi = 0; qi < queue_.size();) {
    Job& j = jobs_[queue_[qi]];
    if (hold > Duration(0) && engine_.now() < j.queued_at + hold) {  // a slow pickup: not offered yet
      if (j.release_at != j.queued_at + hold) {
        j.release_at = j.queued_at + hold;
        engine_.schedule_at(j.release_at, [this] { try_assign(); });
      }
      ++qi;
      continue;
    }
    std::vector<RunnerRecord*> eligible;
    for (auto& [name, r] : runners_) {
      const bool group_ok = j.spec.runs_on_group.empty() || lower(j.spec.runs_on_group) == lower(r.group);
      if (r.online && !r.busy && group_ok && labels_match(r.labels, j.spec.runs_on)) eligible.push_back(&r);
    }
    if (eligible.empty()) {
      ++qi;
      continue;
    }
    std::vector<RunnerRecord*> fresh;
    for (RunnerRecord* r : eligible) {
      if (std::find(j.missed_pickup.begin(), j.missed_pickup.end(), r->name) == j.missed_pickup.end()) fresh.push_back(r);
    }
    if (!fresh.empty()) eligible.swap(fresh);
    RunnerRecord* chosen = eligible[eligible.size() == 1 ? 0 : rng_.uniform_below(eligible.size())];
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(qi));
    chosen->busy = true;  // reserved while the offer stands
    j.offered_to = chosen->name;
    const std::int64_t job_id = j.id;
    const std::string runner = chosen->name;
    j.pickup_timer = engine_.schedule_after(timings_.pickup_timeout, [this, job_id, runner] {
      Job& job = jobs_[job_id];
      if (job.status != Status::kQueued || job.offered_to != runner) return;
      // Not picked up within 60 s: back to the queue for another runner.
      job.offered_to.clear();
      job.missed_pickup.push_back(runner);
      auto r = runners_.find(runner);
      if (r != runners_.end() && r->second.job_id == 0) r->second.busy = false;
      queue_.insert(queue_.begin(), job_id);
      try_assign();
    });
    emit(JobEvent::Kind::kOffered, job_id);
    for (const auto& l : offer_listeners_) l(runner, job_id);
  }
}

void GitHub::finish_job(std::int64_t job_id, const std::string& conclusion, const std::string& annotation) {
  auto jt = jobs_.find(job_id);
  if (jt == jobs_.end() || jt->second.status == Status::kCompleted) return;
  Job& j = jt->second;
  for (EventId* t : {&j.pickup_timer, &j.queue_timer, &j.timeout_timer, &j.lost_timer}) engine_.cancel(*t);
  queue_.erase(std::remove(queue_.begin(), queue_.end(), job_id), queue_.end());
  const std::string holder = !j.runner_name.empty() ? j.runner_name : j.offered_to;
  auto r = runners_.find(holder);
  if (r != runners_.end() && (r->second.job_id == job_id || j.offered_to == holder)) {
    r->second.busy = false;
    r->second.job_id = 0;
  }
  j.offered_to.clear();
  if (j.started_at) {  // an open step ends with the job; the runner's own last step follows
    for (auto& s : j.steps) {
      if (s.status == Status::kCompleted) continue;
      s.status = Status::kCompleted;
      s.conclusion = conclusion == "success" ? "success" : conclusion == "cancelled" ? "cancelled" : "failure";
      s.completed_at = engine_.now();
    }
    j.steps.push_back(JobStep{static_cast<int>(j.steps.size()) + 1, "Complete job", Status::kCompleted, "success",
                              engine_.now(), engine_.now()});
  }
  j.status = Status::kCompleted;
  j.conclusion = conclusion;
  j.completed_at = engine_.now();
  if (!annotation.empty()) j.annotations.push_back(annotation);
  if (!j.spec.concurrency.group.empty()) leave_group(lower(j.spec.concurrency.group), GroupItem{false, job_id});
  emit(JobEvent::Kind::kCompleted, job_id);
  const std::int64_t run_id = j.run_id;
  if (conclusion == "success") {
    start_next_job(run_id);
  } else {
    finish_run(run_id, conclusion);
  }
  try_assign();
}

void GitHub::finish_run(std::int64_t run_id, const std::string& conclusion) {
  Run& r = runs_[run_id];
  if (r.status == Status::kCompleted) return;
  r.status = Status::kCompleted;
  r.conclusion = conclusion;
  r.updated_at = engine_.now();
  for (std::int64_t id : r.job_ids) {
    if (jobs_[id].status != Status::kCompleted && jobs_[id].status != Status::kInProgress) {
      finish_job(id, "cancelled");
    }
  }
  if (!r.workflow.concurrency.group.empty()) leave_group(lower(r.workflow.concurrency.group), GroupItem{true, run_id});
}

// ---- concurrency groups --------------------------------------------------------------

void GitHub::enter_group(const ConcurrencySpec& c, GroupItem item) {
  const std::string key = lower(c.group);
  Group& g = groups_[key];
  if (!g.running) {
    g.running = item;
    start_item(item);
    return;
  }
  if (item.is_run) {
    runs_[item.id].status = Status::kPending;
  } else {
    jobs_[item.id].status = Status::kPending;
  }
  const std::string superseded = "Canceling since a higher priority waiting request for " + c.group + " exists";
  if (c.cancel_in_progress) cancel_item(*g.running, superseded);
  if (c.queue_max) {
    if (static_cast<int>(g.pending.size()) >= timings_.queue_max) {
      cancel_item(item, "The concurrency group " + c.group + " already has " + std::to_string(timings_.queue_max) +
                            " pending items");
      return;
    }
    g.pending.push_back(item);
  } else {
    // queue: single: the newcomer replaces (and cancels) an older pending item.
    std::deque<GroupItem> old;
    old.swap(g.pending);
    g.pending.push_back(item);
    for (const auto& o : old) cancel_item(o, superseded);
  }
  // A running item cancelled before it started has already left: start the next.
  if (!g.running && !g.pending.empty()) {
    const GroupItem next = g.pending.front();
    g.pending.pop_front();
    g.running = next;
    start_item(next);
  }
}

void GitHub::leave_group(const std::string& key, GroupItem item) {
  auto it = groups_.find(key);
  if (it == groups_.end()) return;
  Group& g = it->second;
  auto same = [&](const GroupItem& x) { return x.is_run == item.is_run && x.id == item.id; };
  g.pending.erase(std::remove_if(g.pending.begin(), g.pending.end(), same), g.pending.end());
  if (g.running && same(*g.running)) {
    g.running.reset();
    if (!g.pending.empty()) {
      const GroupItem next = g.pending.front();
      g.pending.pop_front();
      g.running = next;
      start_item(next);
    }
  }
}

void GitHub::start_item(GroupItem item) {
  if (item.is_run) {
    start_run(item.id);
  } else {
    enqueue_job(item.id);
  }
}

void GitHub::cancel_item(GroupItem item, const std::string& annotation) {
  if (item.is_run) {
    Run& r = runs_[item.id];
    if (r.status == Status::kCompleted) return;
    bool running_job = false;
    for (std::int64_t id : r.job_ids) {
      if (jobs_[id].status == Status::kInProgress) {
        running_job = true;
        cancel_item(GroupItem{false, id}, annotation);
      }
    }
    if (!running_job) finish_run(item.id, "cancelled");
    return;
  }
  Job& j = jobs_[item.id];
  if (j.status == Status::kCompleted) return;
  if (j.status != Status::kInProgress) {
    finish_job(item.id, "cancelled", annotation);
    return;
  }
  // Running: the runner gets SIGINT, then SIGTERM at 7.5 s and a kill 2.5 s later.
  if (j.cancel_requested) return;
  j.cancel_requested = true;
  if (!annotation.empty()) j.annotations.push_back(annotation);
  const std::int64_t job_id = item.id;
  engine_.schedule_after(timings_.cancel_grace, [this, job_id] { finish_job(job_id, "cancelled"); });
}

Result<bool> GitHub::cancel_run(std::int64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return Result<bool>::error("Not Found");
  if (it->second.status == Status::kCompleted) {
    return Result<bool>::error("Cannot cancel a workflow run that is completed.");
  }
  cancel_item(GroupItem{true, run_id}, "The run was canceled by @failsim.");
  return Result<bool>::ok(true);
}

Result<bool> GitHub::rerun_failed_jobs(std::int64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return Result<bool>::error("Not Found");
  Run& r = it->second;
  if (r.status != Status::kCompleted) return Result<bool>::error("This workflow is already running");
  // The latest attempt's job for each position in the workflow.
  std::optional<std::size_t> first_failed;
  for (std::int64_t id : r.job_ids) {
    const Job& j = jobs_[id];
    if (j.attempt != r.attempt) continue;
    for (std::size_t k = 0; k < r.workflow.jobs.size(); ++k) {
      if (r.workflow.jobs[k].name == j.spec.name && j.conclusion != "success" && j.conclusion != "skipped" &&
          (!first_failed || k < *first_failed)) {
        first_failed = k;
      }
    }
  }
  if (!first_failed) return Result<bool>::error("This workflow run has no failed jobs to re-run");
  return restart(run_id, *first_failed);
}

Result<bool> GitHub::rerun_run(std::int64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return Result<bool>::error("Not Found");
  if (it->second.status != Status::kCompleted) return Result<bool>::error("This workflow is already running");
  return restart(run_id, 0);
}

Result<bool> GitHub::rerun_job(std::int64_t job_id) {
  const auto j = jobs_.find(job_id);
  if (j == jobs_.end()) return Result<bool>::error("Not Found");
  Run& r = runs_.at(j->second.run_id);
  if (r.status != Status::kCompleted) return Result<bool>::error("This workflow is already running");
  for (std::size_t k = 0; k < r.workflow.jobs.size(); ++k) {
    if (r.workflow.jobs[k].name == j->second.spec.name) return restart(r.id, k);
  }
  return Result<bool>::error("Not Found");
}

// A new attempt of a completed run from job `from_job` on: queued behind its
// concurrency group like a new run.
Result<bool> GitHub::restart(std::int64_t run_id, std::size_t from_job) {
  Run& r = runs_.at(run_id);
  r.attempt += 1;
  r.next_job = from_job;
  r.conclusion.clear();
  r.started_at = engine_.now();
  if (!r.workflow.concurrency.group.empty()) {
    r.status = Status::kPending;
    enter_group(r.workflow.concurrency, GroupItem{true, run_id});
  } else {
    start_run(run_id);
  }
  return Result<bool>::ok(true);
}

}  // namespace failsim::sim::github
