// DeployOrchestrator: one deploy request's lifecycle as a pure state machine.
//
//   gate -> dispatch -> watch -> attempt (retry with backoff) -> post-deploy check
//        -> outcome; on failure: re-dispatch to the next healthy candidate (when the
//        policy allows), or roll back (when the policy can), or give up.
//
// Shape (sans-IO): every input carries the time now; every call returns the actions
// the caller must carry out next, and appends typed, reasoned decisions to log().
// The orchestrator never reads a clock, sleeps, draws random numbers (the caller hands
// a draw in with each attempt result, used for jitter) or performs I/O.
//
// Protocol (what the caller answers to each action):
//   kRunQueries        -> on_query_results(now, outcomes in the same order); a check
//                         with argv is a command (failover/policy.h HealthCheck)
//   kDispatch          -> on_job_assigned(now, runner, hostname), then later
//                         on_job_ended(now, JobEnd) if the job dies under the deploy
//   kRunAttempt        -> on_attempt_result(now, result, u)
//   kWaitUntil         -> on_timer(now)  (at or after wake_at)
//   kPostDeployCheck   -> on_post_check(now, healthy)
//   kRollback          -> on_rollback_done(now, ok)
//   kCompleteJob       -> nothing (the caller ends the GitHub job with `job_success`)
//   kCancelRun         -> nothing (the caller cancels the current dispatch's run and
//                         forgets its job: its end is not reported)
//   kDone              -> nothing; outcome() and diagnosis() are final
// An input that does not fit the current state is logged and ignored (no action).
//
// Placement (policy.placement):
//   in-job:          dispatch first (candidate 0's labels); preflight and gate run on
//                    the assigned runner, keyed by its hostname; a failed stage fails
//                    the job. This is PAWS360 as built.
//   before-dispatch: assess all authorized candidates first and dispatch to the chosen
//                    one; fail fast when none is healthy. With a selection command
//                    (policy.select), a second kRunQueries runs it after the checks,
//                    and what it prints chooses (failover/selection.h select_by_command).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failover/health.h"
#include "failover/policy.h"
#include "failover/query.h"
#include "failover/retry.h"
#include "failover/selection.h"

namespace failsim::failover {

enum class Outcome { kPending, kDeployed, kFailed, kRolledBack, kCancelled };

// Why a dispatched job ended before the deploy finished.
enum class JobEnd {
  kLost,       // the runner stopped renewing; GitHub failed the job (lost communication)
  kCancelled,  // the run was cancelled (API, or superseded in the concurrency group)
  kTimedOut,   // timeout-minutes reached
  kExpired,    // never started: GitHub ended it after its queue time-to-live (24 h)
};

struct Action {
  enum class Kind {
    kRunQueries,
    kDispatch,
    kRunAttempt,
    kWaitUntil,
    kPostDeployCheck,
    kRollback,
    kCompleteJob,
    kCancelRun,
    kDone
  };
  Kind kind;
  std::vector<std::string> queries;  // kRunQueries ("" for a command check)
  std::vector<PlannedCheck> checks;  // kRunQueries: the same checks, whole (commands have argv)
  std::vector<std::string> labels;   // kDispatch
  std::size_t candidate = 0;         // kDispatch: index into policy.candidates
  int attempt = 0;                   // kRunAttempt: 1-based
  Duration timeout{0};               // kRunAttempt
  TimePoint wake_at{};               // kWaitUntil
  std::string version;               // kRunAttempt (deploy) / kRollback (restore)
  bool job_success = false;          // kCompleteJob
};

struct Decision {
  enum class Kind {
    kGate,       // a gate or preflight verdict
    kSelect,     // target selection
    kDispatch,
    kAssigned,
    kAttempt,
    kRetry,
    kFailover,
    kPostCheck,
    kRollback,
    kOutcome,
    kIgnored,    // an input that did not fit the state
  };
  TimePoint at;
  Kind kind;
  std::string message;
  std::vector<std::string> reasons;
};

class DeployOrchestrator {
 public:
  // The policy must outlive the orchestrator. `previous_version`: what a rollback
  // restores until set_rollback_version says what production really runs.
  DeployOrchestrator(const Policy& policy, std::string version, std::string previous_version);

  // The version production runs when this deploy's job first starts (read from
  // production by whoever drives the orchestrator): what a rollback restores. A version
  // requested earlier but never deployed (cancelled, superseded) is not a rollback target.
  void set_rollback_version(std::string version) { previous_version_ = std::move(version); }

  std::vector<Action> start(TimePoint now);
  // Instead of start(): GitHub queued the deploy job again (a re-run of an earlier run,
  // asked for by someone else). No gate before it, no dispatch: the orchestrator waits
  // for the job's runner as after its own dispatch to `candidate`, then gates in the job
  // (in-job placement) and deploys. `why` goes to the decision log.
  std::vector<Action> adopt_queued_job(TimePoint now, std::size_t candidate, const std::string& why);
  std::vector<Action> on_query_results(TimePoint now, const std::vector<QueryOutcome>& outcomes);
  std::vector<Action> on_job_assigned(TimePoint now, const std::string& runner, const std::string& hostname);
  std::vector<Action> on_job_ended(TimePoint now, JobEnd why);
  // The dispatched run ended before its deploy job existed: a job it needs first
  // (`upstream`, e.g. "build on rack2-c") ended `why`, so the run failed (or was
  // cancelled) and no deploy job will come. Handled as the deploy job ending so:
  // re-dispatch per the policy, or give up.
  std::vector<Action> on_upstream_ended(TimePoint now, JobEnd why, const std::string& upstream);
  // GitHub's API refused the dispatch (`why`: e.g. "HTTP 503 Service Unavailable"): no
  // run exists. Handled as a deploy that failed before any job: re-dispatch per the
  // policy (redispatch_on_failure, max_dispatches), or give up.
  std::vector<Action> on_dispatch_failed(TimePoint now, const std::string& why);
  // The dispatched job entered GitHub's runner queue (after any concurrency wait): the
  // policy's pickup_timeout starts (a kWaitUntil; nothing when the policy has none).
  std::vector<Action> on_job_waiting(TimePoint now);
  std::vector<Action> on_attempt_result(TimePoint now, AttemptResult result, double u);
  std::vector<Action> on_timer(TimePoint now);
  std::vector<Action> on_post_check(TimePoint now, bool healthy);
  std::vector<Action> on_rollback_done(TimePoint now, bool ok);

  Outcome outcome() const { return outcome_; }
  const std::string& diagnosis() const { return diagnosis_; }
  // While pending: what the orchestrator waits for, in words ("dispatched to candidate
  // X (runs-on [..]); waiting for GitHub to assign a runner"); the caller adds what the
  // world says about it. "" once done.
  std::string waiting_for() const;
  const std::vector<Decision>& log() const { return log_; }
  int attempts() const { return total_attempts_; }
  int dispatches() const { return dispatches_; }
  // The runner the deploy landed on (set when the outcome is kDeployed).
  const std::string& deployed_on() const { return deployed_on_; }
  // The last selection made before dispatch (before-dispatch placement only).
  const std::optional<Selection>& last_selection() const { return selection_; }
  // Time the orchestrator first acted on an unhealthy runner (a failed gate or
  // preflight, a lost job, a failover); nullopt if it never had to.
  const std::optional<TimePoint>& first_noticed() const { return first_noticed_; }

 private:
  enum class State {
    kIdle,
    kGating,          // before-dispatch: waiting for all candidates' query results
    kSelecting,       // before-dispatch: waiting for the policy's selection command
    kAwaitAssign,     // dispatched, waiting for a runner
    kInJobChecks,     // in-job: waiting for preflight + gate results on the runner
    kAttempting,      // a deploy attempt is running
    kWaiting,         // between attempts (or the last wait before failing)
    kPostCheck,
    kRollingBack,
    kDone,
  };

  std::vector<Action> gate_candidates(TimePoint now);
  // selection_ is made: dispatch to its target, or give up.
  std::vector<Action> select(TimePoint now);
  std::vector<Action> dispatch(TimePoint now, std::size_t candidate);
  std::vector<Action> run_attempt(TimePoint now);
  // The deploy on the current dispatch failed: re-dispatch if allowed, else give up.
  std::vector<Action> deploy_failed(TimePoint now, const std::string& why, bool job_alive, bool lost = false);
  // No more dispatches: roll back if production was touched and the policy can.
  std::vector<Action> give_up(TimePoint now, const std::string& why);
  std::vector<Action> finish(TimePoint now, Outcome outcome, const std::string& diagnosis);
  std::vector<Action> ignored(TimePoint now, const std::string& input);
  void note(TimePoint now, Decision::Kind kind, std::string message, std::vector<std::string> reasons = {});
  void noticed(TimePoint now);

  const Policy& policy_;
  std::string version_;
  std::string previous_version_;
  State state_ = State::kIdle;
  Outcome outcome_ = Outcome::kPending;
  std::string diagnosis_;
  std::vector<Decision> log_;

  std::vector<bool> tried_;                 // candidates already dispatched to
  std::vector<std::size_t> gated_;          // candidates queried in the current gate
  std::vector<std::vector<PlannedCheck>> plans_;  // their planned checks
  std::optional<Selection> selection_;
  std::vector<std::optional<Assessment>> assessments_;  // of the current gate (for a selection command)
  std::size_t current_candidate_ = 0;
  std::string runner_;
  std::string hostname_;
  std::string deployed_on_;
  int dispatches_ = 0;
  int attempt_ = 0;  // attempt number within the current dispatch
  int total_attempts_ = 0;
  bool fail_after_wait_ = false;  // the pending wait ends in failure, not a retry
  std::string pending_failure_;
  std::optional<TimePoint> first_noticed_;
  std::optional<TimePoint> pickup_deadline_;  // of the current dispatch's queued job
  std::vector<TimePoint> stale_pickups_;     // deadlines whose job was picked up (their timers are no-ops)
  TimePoint retry_wake_{};                   // kWaiting ends then
  bool production_touched_ = false;  // some attempt ran against production
  bool cancelled_ = false;           // the run was cancelled; the outcome is kCancelled
};

const char* to_string(Outcome o);
const char* to_string(JobEnd e);
const char* to_string(Decision::Kind k);

}  // namespace failsim::failover
