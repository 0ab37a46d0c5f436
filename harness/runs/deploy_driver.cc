// DeployDriver (harness/runs/run_parts.h): one deploy request's actions in the world.
#include "harness/runs/run_parts.h"

#include <algorithm>
#include <cstdio>

#include "failover/duration.h"

namespace failsim::harness::run_detail {

void DeployDriver::start() {
  triggered_at = run_.world().engine().now();
  execute(orchestrator_.start(run_.world().engine().now()));
}

void DeployDriver::send_dispatch(const sim::github::WorkflowSpec& wf, const std::string& dispatch_ref, std::size_t label_count) {
  sim::World& w = run_.world();
  if (auto refused = w.github().refuse_rest_call(run_.api_rng())) {
    const std::string why = "HTTP " + std::to_string(refused->status) + " " + refused->message;
    run_.trace("deploy", "dispatch_refused", why);
    execute(orchestrator_.on_dispatch_failed(w.engine().now(), why));
    return;
  }
  const WorldFile& world = run_.inputs().scenario->world_file;
  const auto run_id = w.github().dispatch(wf, dispatch_ref);
  if (!run_id) return;
  this->run_id = run_id.value();
  run_.by_run_[run_id.value()] = this;
  for (const std::int64_t id : w.github().run(run_id.value())->job_ids) {
    if (w.github().job(id)->spec.name == world.deploy_job) job_id = id;
  }
  if (job_id != 0) run_.by_job_[job_id] = this;
  // Already in the runner queue (no concurrency wait): its pickup clock starts now.
  if (job_id != 0 && w.github().job(job_id)->status == sim::github::Status::kQueued) job_waiting(job_id);
  run_.trace("deploy", "dispatch", "deploy " + std::to_string(index_) + " runs-on " + std::to_string(label_count) + " labels, run " +
                                       std::to_string(run_id.value()));
}

// The dispatch: the world's deploy workflow, with the deploy job sent where the policy
// says; a policy that sets the job's concurrency or timeout overrides the workflow's. A
// degraded GitHub API answers the call later (github_degraded's added_latency).
void DeployDriver::dispatch(const Action& a) {
  sim::World& w = run_.world();
  const WorldFile& world = run_.inputs().scenario->world_file;
  sim::github::WorkflowSpec wf = world.deploy_workflow_spec();
  const auto& policy = *run_.inputs().policy;
  for (auto& job : wf.jobs) {
    if (job.name != world.deploy_job) continue;
    job.runs_on = a.labels;
    if (!policy.concurrency_group.empty()) {
      job.concurrency = sim::github::ConcurrencySpec{policy.concurrency_group, policy.cancel_in_progress, false};
    }
    if (policy.timeout_minutes) job.timeout_minutes = policy.timeout_minutes;
  }
  const std::string dispatch_ref = ref.empty() ? "refs/heads/" + world.default_branch : ref;
  runner_.clear();
  job_id = 0;
  const auto& degraded = w.github().degradation();
  const Duration latency = degraded ? degraded->added_latency : Duration(0);
  if (latency > Duration(0)) {
    const int dispatch_no = orchestrator_.dispatches();
    w.engine().schedule_after(latency, [this, wf, dispatch_ref, dispatch_no, n = a.labels.size()] {
      if (orchestrator_.dispatches() == dispatch_no && orchestrator_.outcome() == failover::Outcome::kPending) {
        send_dispatch(wf, dispatch_ref, n);
      }
    });
  } else {
    send_dispatch(wf, dispatch_ref, a.labels.size());
  }
}

void DeployDriver::execute(std::vector<Action> actions) {
  sim::World& w = run_.world();
  for (const Action& a : actions) {
    switch (a.kind) {
      case Action::Kind::kRunQueries: run_queries(a.checks); break;
      case Action::Kind::kDispatch: dispatch(a); break;
      case Action::Kind::kRunAttempt: run_attempt(a); break;
      case Action::Kind::kWaitUntil: {
        w.engine().schedule_at(a.wake_at, [this] { execute(orchestrator_.on_timer(run_.world().engine().now())); });
        break;
      }
      case Action::Kind::kPostDeployCheck: {
        const std::uint64_t token = attempt_token_;
        w.engine().schedule_after(std::chrono::seconds(5), [this, token] {
          // The check is a step of the job, on its runner: a runner that died meanwhile
          // runs nothing (GitHub's lost-communication rule ends the job instead).
          const auto* host = run_.world().runner(runner_);
          if (token != attempt_token_ || host == nullptr || !host->alive()) return;
          const bool ok = run_.world().production().healthy();
          run_.trace("deploy", "post_check", ok ? "healthy" : "unhealthy");
          execute(orchestrator_.on_post_check(run_.world().engine().now(), ok));
        });
        break;
      }
      case Action::Kind::kRollback: {
        w.github().begin_step(job_id, "Roll back to " + a.version);
        const Duration d = run_.inputs().scenario->rollback_time.sample(run_.steps_rng());
        const std::string version = a.version;
        w.engine().schedule_after(d, [this, version] {
          run_.world().production().rollback(version, run_.world().engine().now());
          run_.trace("production", "rollback", version);
          execute(orchestrator_.on_rollback_done(run_.world().engine().now(), true));
        });
        break;
      }
      case Action::Kind::kCancelRun: {
        // Our own cancellation: forget the job first, so that its end is not reported.
        const std::int64_t cancelled = run_id;
        job_id = 0;
        runner_.clear();
        if (cancelled != 0) {
          run_.trace("deploy", "cancel", "run " + std::to_string(cancelled) + ": not picked up in time");
          w.github().cancel_run(cancelled);
        }
        break;
      }
      case Action::Kind::kCompleteJob: {
        completing_ = true;
        if (auto* host = w.runner(runner_)) host->finish_job(job_id, a.job_success);
        break;
      }
      case Action::Kind::kDone:
        done_at = w.engine().now();
        run_.trace("deploy", "outcome", std::string(failover::to_string(orchestrator_.outcome())) + ": " + orchestrator_.diagnosis());
        break;
    }
  }
}

void DeployDriver::run_queries(const std::vector<failover::PlannedCheck>& checks) {
  sim::World& w = run_.world();
  const std::string from = host_.empty() ? kGateHost : host_;
  if (!host_.empty()) w.github().begin_step(job_id, "Health gate");  // in the job, on its runner
  auto outcomes = std::make_shared<std::vector<QueryOutcome>>(checks.size());
  auto remaining = std::make_shared<std::size_t>(checks.size());
  auto deliver = [this, outcomes, remaining] {
    if (--*remaining == 0) execute(orchestrator_.on_query_results(run_.world().engine().now(), *outcomes));
  };
  // Live: `failsim gate` asks the fake Prometheus over HTTP, now, with virtual time
  // frozen; its answers travel the modelled network in place of the model's own.
  std::shared_ptr<const GateAnswers> live;
  const LiveHooks* hooks = run_.inputs().live;
  // A policy with command checks is not asked through `failsim gate` as well: its
  // commands already run against the world's APIs (run_command_check).
  const bool has_commands = std::any_of(checks.begin(), checks.end(), [](const auto& c) { return !c.argv.empty(); });
  if (hooks != nullptr && hooks->gate && !has_commands &&
      w.network().peek(from, w.spec().prometheus.host, w.spec().prometheus_port) == sim::Network::Fate::kDelivered) {
    const auto* host = host_.empty() ? nullptr : w.runner(runner_);
    live = std::make_shared<const GateAnswers>(hooks->gate(host != nullptr ? host->spec().hostname : ""));
    run_.trace("gate", "failsim gate", live->verdict);
  }
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i].argv.empty()) {
      run_command_check(checks[i], from, [this, i, outcomes, deliver, takes = checks[i].check->takes](QueryOutcome o) {
        (*outcomes)[i] = std::move(o);
        run_.world().engine().schedule_after(takes, deliver);
      });
      continue;
    }
    const std::string q = checks[i].query;
    w.network().request<QueryOutcome>(
        from, w.spec().prometheus.host, w.spec().prometheus_port, std::chrono::seconds(10),
        [this, q, live]() -> std::optional<sim::Served<QueryOutcome>> {
          if (live) {
            const auto it = live->by_query.find(q);
            if (it != live->by_query.end()) return sim::Served<QueryOutcome>{it->second, std::chrono::milliseconds(5)};
            run_.trace("gate", "not asked by failsim gate", q);
          }
          return sim::Served<QueryOutcome>{to_outcome(run_.world().prometheus().query(q)), std::chrono::milliseconds(5)};
        },
        [i, outcomes, deliver](const sim::CallResult<QueryOutcome>& r) {
          if (r.status == sim::CallStatus::kOk) {
            (*outcomes)[i] = *r.response;
          } else if (r.status == sim::CallStatus::kTimeout) {
            (*outcomes)[i] = QueryOutcome::failed("Prometheus did not answer within 10s");
          } else if (r.status == sim::CallStatus::kHttpError) {
            (*outcomes)[i] = QueryOutcome::failed("Prometheus answered HTTP " + std::to_string(r.http_status) + " " +
                                                  sim::http_status_text(r.http_status));
          } else {
            (*outcomes)[i] = QueryOutcome::failed("connection to Prometheus refused");
          }
          deliver();
        });
  }
}

// The team's command (harness/runs/command_checks.h). Its first request to Prometheus travels
// the modelled network as a query would (the same latency, faults and draws): where it
// arrives, the command runs there and then, with virtual time frozen, against the
// world's APIs; where the model drops or rejects it, the command runs when the caller
// would learn so, against an address that never answers or refuses. Its verdict
// counts `takes` after that (the caller schedules it).
void DeployDriver::run_command_check(const failover::PlannedCheck& check, const std::string& from,
                                     std::function<void(QueryOutcome)> done) {
  sim::World& w = run_.world();
  auto run = [this, check](CommandChecks::Reach reach) {
    auto answer = run_.commands().run(check, reach);
    run_.trace("gate", "command", answer.trace);
    return answer.outcome;
  };
  w.network().request<QueryOutcome>(
      from, w.spec().prometheus.host, w.spec().prometheus_port, std::chrono::seconds(10),
      [run]() -> std::optional<sim::Served<QueryOutcome>> {
        return sim::Served<QueryOutcome>{run(CommandChecks::Reach::kDelivered), std::chrono::milliseconds(5)};
      },
      [run, done](const sim::CallResult<QueryOutcome>& r) {
        switch (r.status) {
          case sim::CallStatus::kOk: done(*r.response); break;
          case sim::CallStatus::kTimeout: done(run(CommandChecks::Reach::kDropped)); break;
          case sim::CallStatus::kHttpError:
            done(QueryOutcome::failed("Prometheus answered HTTP " + std::to_string(r.http_status) + " " +
                                      sim::http_status_text(r.http_status) +
                                      "; the command was not run (http_status faults are not applied to commands)"));
            break;
          default: done(run(CommandChecks::Reach::kRejected)); break;
        }
      });
}

void DeployDriver::job_started(std::int64_t id, const std::string& runner) {
  if (id != job_id) return;
  // The first time the deploy job runs, production's version is what a rollback
  // restores (not the previous request's version, which may never have landed).
  if (!rollback_version_set_) {
    orchestrator_.set_rollback_version(run_.world().production().current_version());
    rollback_version_set_ = true;
  }
  runner_ = runner;
  const auto* host = run_.world().runner(runner);
  host_ = host != nullptr ? host->spec().host : "";
  run_.trace("job", "started", runner);
  execute(orchestrator_.on_job_assigned(run_.world().engine().now(), runner, host != nullptr ? host->spec().hostname : runner));
}

void DeployDriver::job_waiting(std::int64_t id) {
  if (id == job_id) execute(orchestrator_.on_job_waiting(run_.world().engine().now()));
}

// Why a job that did not succeed ended, as the failover logic tells causes apart: never
// started (GitHub's queue time-to-live ended it), a cancellation (by someone, or by
// timeout-minutes) or, for any other failure, the runner's lost communication.
failover::JobEnd job_end(const sim::github::Job& job) {
  if (!job.started_at && !job.annotations.empty() && job.annotations.back() == sim::github::kQueueExpiredAnnotation) {
    return failover::JobEnd::kExpired;
  }
  if (job.conclusion != "cancelled") return failover::JobEnd::kLost;
  const bool timed_out = !job.annotations.empty() && job.annotations.back().find("maximum execution time") != std::string::npos;
  return timed_out ? failover::JobEnd::kTimedOut : failover::JobEnd::kCancelled;
}

void DeployDriver::job_completed(std::int64_t id) {
  if (id != job_id) return;
  const auto* job = run_.world().github().job(id);
  run_.trace("job", "completed", job->conclusion + (job->annotations.empty() ? "" : ": " + job->annotations.back()));
  ++attempt_token_;  // whatever attempt ran here is over
  host_.clear();
  if (completing_) {
    completing_ = false;
    if (job->conclusion != "success" && orchestrator_.outcome() == failover::Outcome::kDeployed) {
      job_disagrees = job->conclusion + (job->annotations.empty() ? "" : " (" + job->annotations.back() + ")");
      run_.trace("deploy", "job_disagrees", version + " is in production, but GitHub concluded its job " + job->conclusion);
    }
    return;
  }
  run_.world().production().abandon(job_id, run_.world().engine().now());
  execute(orchestrator_.on_job_ended(run_.world().engine().now(), job_end(*job)));
}

// A job that the deploy job needs ended. Unless it succeeded, the run is over and no
// deploy job will exist: the orchestrator must hear of it, or the request waits forever.
void DeployDriver::upstream_completed(const sim::github::Job& job) {
  if (job.run_id != run_id || job_id != 0 || job.conclusion == "success") return;
  const std::string upstream = job.spec.name + (job.runner_name.empty() ? "" : " on " + job.runner_name);
  run_.trace("job", "completed", upstream + ": " + job.conclusion + (job.annotations.empty() ? "" : ": " + job.annotations.back()));
  execute(orchestrator_.on_upstream_ended(run_.world().engine().now(), job_end(job), upstream));
}

void DeployDriver::run_attempt(const Action& a) {
  sim::World& w = run_.world();
  const std::uint64_t token = ++attempt_token_;
  run_.attempt_on(runner_);
  w.production().begin(job_id, a.version, runner_, w.engine().now());
  w.github().begin_step(job_id, "Deploy " + a.version + " (attempt " + std::to_string(a.attempt) + ")");
  const auto steps = w.production().steps().size();
  failing_step_ = run_.attempts_rng().bernoulli(run_.inputs().scenario->attempt_failure_probability)
                      ? run_.attempts_rng().uniform_below(steps)
                      : SIZE_MAX;
  w.engine().schedule_after(a.timeout, [this, token] {
    // The retry action's timeout runs on the runner: a dead runner times nothing out
    // (GitHub's lost-communication rule ends the job instead).
    const auto* host = run_.world().runner(runner_);
    if (token != attempt_token_ || host == nullptr || !host->alive()) return;
    ++attempt_token_;
    run_.world().production().abandon(job_id, run_.world().engine().now());
    run_.trace("deploy", "attempt_timeout", runner_);
    run_.world().github().end_step(job_id, "failure");
    execute(orchestrator_.on_attempt_result(run_.world().engine().now(), AttemptResult::kTimeout, run_.jitter_rng().next_double()));
  });
  attempt_step(token, 0);
}

void DeployDriver::attempt_step(std::uint64_t token, std::size_t step) {
  sim::World& w = run_.world();
  auto* host = w.runner(runner_);
  if (host == nullptr) return;
  const Duration d = run_.inputs().scenario->deploy_step.sample(run_.steps_rng());
  host->run_step(job_id, d, [this, token, step] {
    if (token != attempt_token_) return;
    sim::World& world = run_.world();
    const TimePoint now = world.engine().now();
    if (step == failing_step_) {
      ++attempt_token_;
      world.production().abandon(job_id, now);
      run_.trace("deploy", "attempt_error", world.production().steps()[step]);
      world.github().end_step(job_id, "failure");
      execute(orchestrator_.on_attempt_result(now, AttemptResult::kError, run_.jitter_rng().next_double()));
      return;
    }
    world.production().apply_step(job_id, step, now);
    if (step + 1 < world.production().steps().size()) {
      attempt_step(token, step + 1);
      return;
    }
    ++attempt_token_;
    world.github().end_step(job_id, "success");
    world.production().finish(job_id, now);
    run_.trace("production", "deployed", world.production().current_version());
    execute(orchestrator_.on_attempt_result(now, AttemptResult::kSuccess, run_.jitter_rng().next_double()));
  });
}

// A job of the deploy workflow other than the deploy (an upstream build, say): its
// steps take the world's run_time for it on the runner it landed on, then succeed.

}  // namespace failsim::harness::run_detail
