// GitHub: the Actions service as the failover logic meets it. Runner registry, job
// queue with label matching, workflow runs and jobs with GitHub's statuses and
// conclusions, concurrency groups, timeouts, lost communication, cancellation.
// Every rule follows ../shared/reference/github-prometheus-semantics.md (section A);
// every timing is a parameter in GitHubTimings with the real default, and the ones the
// reference marks UNCONFIRMED (observed, not documented) say so.
//
// Concurrency groups (A1), per group name compared case-insensitively, repository-wide:
//   - at most one running item; with queue "single" (default) at most one pending: a
//     newcomer that finds a pending item cancels it (whatever cancel-in-progress says)
//     and takes its place; with queue "max" up to 100 wait, FIFO, and an arrival that
//     finds the queue full is cancelled;
//   - cancel-in-progress: true also cancels the running item when a newcomer arrives
//     (queue "max" with cancel-in-progress is a validation error);
//   - job-level groups hold jobs; workflow-level groups hold whole runs.
// Assignment (A2): a queued job goes only to an online, idle runner holding every
// runs-on label (case-insensitive); among several, a seeded draw. A runner that does
// not pick the job up within pickup_timeout (60 s) gives it back to the queue "for
// another runner": runners that let an offer lapse are chosen only when no other is
// eligible. A job nobody takes ends after queue_ttl (24 h). One job per runner.
// Liveness (A4): a running job's runner renews its lock every 60 s; when renewals stop
// (host down, service killed), the job fails with the lost-communication message
// lost_communication_delay (~10 min, observed) after the last renewal.
//
// The models of the runner hosts call in (poll, pick up, renew, step results); the
// world and harness listen for job events. Thread safety: none; engine thread only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "failover/time.h"
#include "sim/engine.h"
#include "sim/random.h"

namespace failsim::sim::github {

struct GitHubTimings {
  Duration pickup_timeout = std::chrono::seconds(60);             // A2 rule 2
  Duration queue_ttl = std::chrono::hours(24);                    // A2 rule 4, A3 limits
  std::string queue_ttl_conclusion = "failure";                   // UNCONFIRMED: failure or cancelled
  int default_timeout_minutes = 360;                              // A3: DefaultJobTimeoutInMinutes
  std::string timeout_conclusion = "cancelled";                   // UNCONFIRMED: docs say "cancels"
  Duration lock_renewal_interval = std::chrono::seconds(60);      // A4: JobDispatcher renews every 60 s
  Duration lost_communication_delay = std::chrono::minutes(10);   // A4: observed ~10-15 min, UNCONFIRMED
  Duration offline_after_last_poll = std::chrono::seconds(90);    // A4: UNCONFIRMED
  Duration cancel_grace = std::chrono::seconds(10);               // A1: SIGINT, SIGTERM at 7.5 s, kill 2.5 s later
  Duration force_cancel_after = std::chrono::minutes(5);          // A1: DefaultJobCancelTimeoutInMinutes
  int queue_max = 100;                                            // A1: queue: max
};

// The annotation of a job GitHub ended because no runner started it within queue_ttl.
inline constexpr const char* kQueueExpiredAnnotation = "The job was not started within 24 hours.";

// A deployment environment's protection rules, for the jobs that name it
// (`environment:`). A job waits (status "waiting") until the wait timer has run and,
// with required reviewers, until one approves; nobody approves in a simulation unless
// approval_after says how long the reviewers take (else GitHub fails the job when the
// 30-day approval wait ends, reference A3 limits). A dispatch on a branch the
// environment does not allow fails the job at once with GitHub's message. Protection is
// applied before the job's concurrency group and the runner queue (UNCONFIRMED: the
// order is not documented).
struct EnvironmentSpec {
  Duration wait_timer{0};
  bool required_reviewers = false;
  std::optional<Duration> approval_after;
  std::vector<std::string> branches;  // allowed branches (exact names); empty: any
};
inline constexpr Duration kEnvironmentApprovalLimit = std::chrono::hours(24 * 30);

enum class Status { kQueued, kPending, kInProgress, kCompleted, kWaiting, kRequested };
const char* to_string(Status s);

struct ConcurrencySpec {
  std::string group;  // empty: none
  bool cancel_in_progress = false;
  bool queue_max = false;  // `queue: max`
};

struct JobSpec {
  std::string name;                   // the job id in the workflow file
  std::vector<std::string> runs_on;   // every label required (AND)
  std::string runs_on_group;          // runs-on: {group: ...}; empty: any group
  ConcurrencySpec concurrency;        // job-level
  std::optional<int> timeout_minutes;
  std::string environment;            // recorded; approvals are not modelled
  std::vector<std::string> needs;     // upstream jobs (the model runs jobs in order)
};

// A workflow_dispatch input (on.workflow_dispatch.inputs).
struct WorkflowInput {
  std::string name;
  bool required = false;
  std::string type = "string";
  std::optional<std::string> default_value;
  std::vector<std::string> options;  // type: choice
};

struct WorkflowSpec {
  std::string file;  // e.g. "deploy.yml"
  std::string name;  // the workflow's `name:` (default: the file)
  ConcurrencySpec concurrency;  // workflow-level
  std::vector<JobSpec> jobs;    // run one after another, in an order that respects `needs`
  std::vector<WorkflowInput> inputs;
  bool inputs_declared = false;  // the world says which inputs exist (else they are not checked)
};

// A step of a job as the API lists it: the runner's "Set up job" and "Complete job"
// around the steps the job's work reports (the harness names them).
struct JobStep {
  int number = 0;
  std::string name;
  Status status = Status::kInProgress;
  std::string conclusion;  // empty until completed
  TimePoint started_at{};
  std::optional<TimePoint> completed_at;
};

struct Job {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  JobSpec spec;
  Status status = Status::kQueued;
  std::string conclusion;  // empty until completed
  std::string runner_name;  // empty until assigned
  int attempt = 1;          // the run attempt this job belongs to
  std::vector<std::string> annotations;  // e.g. the lost-communication message
  std::vector<JobStep> steps;
  TimePoint created_at{};
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> completed_at;
  // internal
  std::optional<TimePoint> last_renewal;
  std::string offered_to;  // runner the job was handed to, awaiting pickup
  TimePoint queued_at{};   // when it (last) entered the runner queue
  TimePoint release_at{};  // a slow pickup: when a look at the queue is scheduled for it
  std::vector<std::string> missed_pickup;  // runners that let an offer lapse
  EventId pickup_timer;
  EventId queue_timer;
  EventId timeout_timer;
  EventId lost_timer;
  bool cancel_requested = false;
};

struct Run {
  std::int64_t id = 0;
  WorkflowSpec workflow;
  std::string event = "workflow_dispatch";
  std::string ref;
  Status status = Status::kQueued;
  std::string conclusion;
  TimePoint created_at{};
  TimePoint updated_at{};
  std::vector<std::int64_t> job_ids;  // every attempt's jobs, oldest first
  std::size_t next_job = 0;  // index of the next job to start
  int attempt = 1;           // run_attempt: 1, then +1 per re-run
  TimePoint started_at{};    // run_started_at: start of the latest attempt
};

struct RunnerRecord {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> labels;
  std::string group = "Default";
  bool online = false;
  bool busy = false;
  std::optional<TimePoint> last_poll;
  std::int64_t job_id = 0;  // 0: none
};

struct JobEvent {
  // kQueued: the job exists; kWaitingForRunner: it entered the runner queue (after any
  // concurrency-group wait).
  enum class Kind { kQueued, kWaitingForRunner, kOffered, kStarted, kCompleted };
  Kind kind;
  std::int64_t job_id;
  TimePoint at;
};

// GitHub's service degraded (the scenario format's `github_degraded` fault): REST API
// calls fail at `error_rate` with `status` (GitHub answers 5xx during incidents), take
// `added_latency` longer, or are refused because the token's rate limit is spent
// (403, "API rate limit exceeded"); and queued jobs wait `pickup_delay` longer before
// GitHub offers them to a runner (slow pickup). Runners' own connection to the
// service (long polls, renewals) is not affected.
struct ApiDegradation {
  double error_rate = 0;   // in [0, 1]
  int status = 503;        // 500, 502 or 503
  Duration added_latency{0};
  bool rate_limited = false;
  Duration pickup_delay{0};
};

// A REST API call GitHub refused: the status and the message of GitHub's body.
struct ApiRefusal {
  int status = 0;
  std::string message;
};

// How one REST API call fares under `d`: nullopt (it goes through) or GitHub's answer.
// Draws from `draws` only while error_rate is strictly between 0 and 1.
std::optional<ApiRefusal> refuse_rest_call(const ApiDegradation& d, Rng& draws);

class GitHub {
 public:
  GitHub(Engine& engine, Rng rng, GitHubTimings timings = {});

  // ---- runners (called by the runner host models) ----
  std::int64_t register_runner(const std::string& name, std::vector<std::string> labels,
                               std::string group = "Default");
  // The listener's long poll: marks the runner online now.
  void poll(const std::string& runner);
  // A graceful stop drops the registration's session at once: offline.
  void runner_stopped(const std::string& runner);
  // The runner accepts a job offered to it; starts it. false if not offered to it.
  bool pick_up(const std::string& runner, std::int64_t job_id);
  void renew_lock(const std::string& runner, std::int64_t job_id);
  // The job's steps ended (success or failure), as reported by the runner.
  void complete_job(std::int64_t job_id, bool success);
  // A step of a running job begins (the open one, if any, ends with success) / ends.
  void begin_step(std::int64_t job_id, const std::string& name);
  void end_step(std::int64_t job_id, const std::string& conclusion);

  // ---- the REST-like API (called by the harness and fakes) ----
  Result<std::int64_t> dispatch(const WorkflowSpec& workflow, const std::string& ref);
  // 202 (true) or 409 with GitHub's message when the run cannot be cancelled.
  Result<bool> cancel_run(std::int64_t run_id);
  // POST .../runs/{id}/rerun-failed-jobs (201): a completed run that did not succeed
  // starts attempt n+1 from its first failed (or cancelled) job; jobs after it run
  // again as its dependents (jobs run in sequence). Errors: "Not Found"; the run is
  // still running or has no failed job (GitHub answers 403; message UNCONFIRMED).
  Result<bool> rerun_failed_jobs(std::int64_t run_id);
  // POST .../runs/{id}/rerun (201): a completed run starts attempt n+1 with every job.
  Result<bool> rerun_run(std::int64_t run_id);
  // POST .../jobs/{id}/rerun (201): the job's completed run starts attempt n+1 from that
  // job; the jobs after it run again as its dependents. "Not Found" for an unknown job.
  Result<bool> rerun_job(std::int64_t job_id);

  const std::map<std::int64_t, Run>& runs() const { return runs_; }
 private:
  Result<bool> restart(std::int64_t run_id, std::size_t from_job);

 public:
  const std::map<std::int64_t, Job>& jobs() const { return jobs_; }
  const std::map<std::string, RunnerRecord>& runners() const { return runners_; }
  const Job* job(std::int64_t id) const;
  const Run* run(std::int64_t id) const;
  const GitHubTimings& timings() const { return timings_; }

  // Listeners: job lifecycle events, and offers to a runner (the runner host model
  // decides whether it picks the job up).
  void on_job_event(std::function<void(const JobEvent&)> listener) { job_listeners_.push_back(std::move(listener)); }
  void on_offer(std::function<void(const std::string& runner, std::int64_t job_id)> listener) {
    offer_listeners_.push_back(std::move(listener));
  }

  // ---- environments ----
  void set_environments(std::map<std::string, EnvironmentSpec> environments) { environments_ = std::move(environments); }
  const std::map<std::string, EnvironmentSpec>& environments() const { return environments_; }

  // ---- service degradation ----
  // Sets (or with nullopt ends) a degradation; ending it offers delayed jobs at once.
  void set_degradation(std::optional<ApiDegradation> d);
  const std::optional<ApiDegradation>& degradation() const { return degradation_; }
  // Whether one REST API call now goes through: nullopt, or what GitHub answers instead.
  // Draws from `draws` only while error_rate is strictly between 0 and 1.
  std::optional<ApiRefusal> refuse_rest_call(Rng& draws) const;

  // Why a run has not finished (or how it ended), as `kubectl describe` says why a pod
  // is Pending: the job it is at; for a job waiting in a concurrency group, the group
  // and what holds it; for a queued job, the labels (and group) it waits for and every
  // runner's state (online or offline, idle or busy with which job, missing labels);
  // for a running job, its runner, step and last lock renewal. One line, no trailing
  // period; "" for an unknown run. (sim/github/describe.cc)
  std::string describe_run(std::int64_t run_id) const;
  // One runner against a job's runs-on: "build-a (online, idle; missing: build-a)".
  std::string describe_runner_for(const RunnerRecord& r, const JobSpec& job) const;

  // The label rule on its own: runner labels hold every runs-on label, ignoring case.
  static bool labels_match(const std::vector<std::string>& runner_labels, const std::vector<std::string>& runs_on);

 private:
  struct GroupItem {
    bool is_run;
    std::int64_t id;
  };
  struct Group {
    std::optional<GroupItem> running;
    std::deque<GroupItem> pending;
  };

  void enter_group(const ConcurrencySpec& c, GroupItem item);
  void leave_group(const std::string& group_key, GroupItem item);
  void start_item(GroupItem item);
  void cancel_item(GroupItem item, const std::string& annotation);
  void start_run(std::int64_t run_id);
  void enqueue_job(std::int64_t job_id);
  void start_next_job(std::int64_t run_id);
  // After the environment's protection rules (if any): the job's concurrency group, or the queue.
  void admit_job(std::int64_t job_id);
  void try_assign();
  void finish_job(std::int64_t job_id, const std::string& conclusion, const std::string& annotation = "");
  void finish_run(std::int64_t run_id, const std::string& conclusion);
  void arm_lost_timer(Job& job);
  void emit(JobEvent::Kind kind, std::int64_t job_id);
  std::string describe_job(const Job& j) const;
  std::string describe_holder(const GroupItem& item) const;
  static std::string lower(std::string s);

  Engine& engine_;
  Rng rng_;
  GitHubTimings timings_;
  std::map<std::int64_t, Run> runs_;
  std::map<std::int64_t, Job> jobs_;
  std::map<std::string, RunnerRecord> runners_;
  std::map<std::string, Group> groups_;  // key: lower-cased group name
  std::vector<std::int64_t> queue_;      // queued job ids, oldest first
  std::optional<ApiDegradation> degradation_;
  std::map<std::string, EnvironmentSpec> environments_;
  std::int64_t next_id_ = 1;
  std::vector<std::function<void(const JobEvent&)>> job_listeners_;
  std::vector<std::function<void(const std::string&, std::int64_t)>> offer_listeners_;
};

}  // namespace failsim::sim::github
