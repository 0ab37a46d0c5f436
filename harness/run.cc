#include "harness/run.h"

#include "reports/slo.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "failover/duration.h"
#include "failover/orchestrator.h"
#include "harness/command_checks.h"
#include "sim/world.h"

namespace failsim::harness {

using failover::Action;
using failover::AttemptResult;
using failover::DeployOrchestrator;
using failover::QueryOutcome;
using sim::Rng;

namespace {

const char* kGateHost = "github-hosted";  // where a before-dispatch gate runs
// GITHUB_TOKEN of a command check when the scenario names no secret of its own.
const char* kCommandToken = "ghp_failsimCommandCheckToken0000000000";

// "errors 50 % (HTTP 503), +2s, rate limit spent, pickup +2m"
std::string describe_degradation(const sim::github::ApiDegradation& d) {
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (d.error_rate > 0) add("errors " + std::to_string(static_cast<int>(d.error_rate * 100 + 0.5)) + " % (HTTP " + std::to_string(d.status) + ")");
  if (d.added_latency > Duration(0)) add("+" + format_duration(d.added_latency) + " per call");
  if (d.rate_limited) add("rate limit spent");
  if (d.pickup_delay > Duration(0)) add("pickup +" + format_duration(d.pickup_delay));
  return out;
}

QueryOutcome to_outcome(const Result<sim::prometheus::Value>& r) {
  if (!r) return QueryOutcome::failed("Prometheus error: " + r.error());
  if (const auto* s = std::get_if<sim::prometheus::Scalar>(&r.value())) return QueryOutcome::of_value(s->value);
  const auto& v = std::get<sim::prometheus::Vector>(r.value());
  if (v.empty()) return QueryOutcome::empty();
  return QueryOutcome::of_value(v[0].value, v.size());
}

class Run;

// One deploy request: its orchestrator and the actions it asks for.
class DeployDriver {
 public:
  DeployDriver(Run& run, std::size_t index, const failover::Policy& policy, std::string version,
               std::string previous)
      : version(version), run_(run), index_(index), orchestrator_(policy, std::move(version), std::move(previous)) {}

  void start();
  void execute(std::vector<Action> actions);
  void job_started(std::int64_t job_id, const std::string& runner);
  void job_completed(std::int64_t job_id);
  void job_waiting(std::int64_t id);
  void upstream_completed(const sim::github::Job& job);
  DeployOrchestrator& orchestrator() { return orchestrator_; }
  const DeployOrchestrator& orchestrator() const { return orchestrator_; }
  std::optional<TimePoint> triggered_at;
  std::string ref;  // the dispatched ref; "": the world's default branch
  std::string source = "schedule";  // schedule | api | rerun (reports::DeployResult::source)
  std::optional<TimePoint> done_at;
  std::int64_t job_id = 0;
  std::int64_t run_id = 0;
  const std::string version;
  // GitHub concluded the deploy job other than success after the deploy had landed
  // (the runner's completion never reached it): "failure (The self-hosted runner: ...)".
  std::string job_disagrees;
  // Done, and GitHub has the deploy job's conclusion (a landed deploy whose completion
  // is still on its way keeps the run going, so that the conclusion is seen).
  bool settled(const sim::github::GitHub& github) const {
    if (!done_at) return false;
    const auto* job = job_id != 0 ? github.job(job_id) : nullptr;
    return job == nullptr || job->status == sim::github::Status::kCompleted;
  }

 private:
  // The gate's checks: queries over the modelled network, commands with time frozen.
  void run_queries(const std::vector<failover::PlannedCheck>& checks);
  void run_command_check(const failover::PlannedCheck& check, const std::string& from, std::function<void(QueryOutcome)> done);
  void run_attempt(const Action& a);
  // The dispatch REST call, now: refused by a degraded GitHub, or a new run.
  void send_dispatch(const sim::github::WorkflowSpec& wf, const std::string& dispatch_ref, std::size_t label_count);
  void attempt_step(std::uint64_t attempt_token, std::size_t step);

  Run& run_;
  std::size_t index_;
  DeployOrchestrator orchestrator_;
  std::string runner_;
  std::string host_;
  std::uint64_t attempt_token_ = 0;  // invalidates callbacks of an earlier attempt
  std::size_t failing_step_ = SIZE_MAX;
  bool completing_ = false;  // we ended the job ourselves
  bool rollback_version_set_ = false;
};

class Run final : public LiveControl {
 public:
  Run(const RunInputs& in, std::uint64_t seed)
      : in_(in), seed_(seed), world_(make_spec(in, seed)), attempts_rng_(Rng::stream(seed, "harness/attempts")),
        jitter_rng_(Rng::stream(seed, "failover/jitter")), steps_rng_(Rng::stream(seed, "harness/steps")),
        api_rng_(Rng::stream(seed, "github/api")) {}

  static sim::WorldSpec make_spec(const RunInputs& in, std::uint64_t seed) {
    sim::WorldSpec spec = in.scenario->world;
    spec.seed = seed;
    spec.rules = *in.rules;
    // A policy that names its candidates' runs-on labels comes with runners that carry
    // them (the intended design gives every runner a unique custom label).
    for (const auto& c : in.policy->candidates) {
      for (auto& r : spec.runners) {
        if (r.runner_name != c.name) continue;
        for (const auto& label : c.labels) {
          if (!sim::github::GitHub::labels_match(r.labels, {label})) r.labels.push_back(label);
        }
      }
    }
    return spec;
  }

  RunResult execute();

  sim::World& world() override { return world_; }
  std::optional<std::int64_t> trigger_deploy(const std::string& version, const std::string& ref) override {
    const std::string previous = drivers_.empty() ? in_.scenario->world.production_version : drivers_.back()->version;
    drivers_.push_back(std::make_unique<DeployDriver>(*this, drivers_.size(), *in_.policy, version, previous));
    DeployDriver* d = drivers_.back().get();
    d->ref = ref;
    d->source = "api";
    trace("deploy", "trigger", version);
    d->start();
    if (d->run_id == 0) return std::nullopt;
    return d->run_id;
  }
  int inject_fault(FaultSpec f) override {
    f.at += world_.engine().now() - world_.spec().start;
    hand_quiet_after_ = std::max(hand_quiet_after_, world_.engine().now() + std::chrono::minutes(10));
    return apply_fault(f, "hand");
  }
  Result<reports::FaultRecord> end_fault(int id) override;
  std::vector<reports::FaultRecord> faults() const override { return result_.faults; }
  void note_proxy_fault(const std::string& kind, const std::string& host, const std::string& what, bool started) override;
  std::vector<TraceEvent> trace_since(std::size_t from) const override {
    if (from >= result_.trace.size()) return {};
    return {result_.trace.begin() + static_cast<std::ptrdiff_t>(from), result_.trace.end()};
  }
  std::vector<LiveDeploy> deploys_now() const override;
  std::vector<failover::Assessment> health_now() override;
  const failover::Policy& policy() const override { return *in_.policy; }
  std::vector<reports::CheckpointResult> scorecard_now() override;
  const RunInputs& inputs() const { return in_; }
  Rng& attempts_rng() { return attempts_rng_; }
  Rng& jitter_rng() { return jitter_rng_; }
  Rng& steps_rng() { return steps_rng_; }
  Rng& api_rng() { return api_rng_; }
  // The policy's command checks (started at the first one).
  CommandChecks& commands() {
    if (!commands_) {
      const Scenario& sc = *in_.scenario;
      commands_ = std::make_unique<CommandChecks>(world_, sc.world_file, sc.secret.empty() ? kCommandToken : sc.secret,
                                                  CommandCheckOptions{in_.policy->name, in_.policy->base_dir, command_memo(),
                                                                      in_.live != nullptr ? in_.live->loop : nullptr});
    }
    return *commands_;
  }
  void trace(const std::string& category, const std::string& name, const std::string& detail) override {
    result_.trace.push_back(TraceEvent{to_us(world_.engine().now()), category, name, detail});
  }
  // A re-run (the API's rerun, rerun-failed-jobs or a job's rerun) queued the deploy job
  // of a run again: it deploys the run's version once more, with a driver of its own so
  // that the earlier request keeps its outcome. The job runs where GitHub places it.
  void adopt_rerun(const sim::github::Job& job) {
    DeployDriver* old = by_run_.at(job.run_id);
    drivers_.push_back(std::make_unique<DeployDriver>(*this, drivers_.size(), *in_.policy, old->version,
                                                      world_.production().current_version()));
    DeployDriver* d = drivers_.back().get();
    d->run_id = job.run_id;
    d->job_id = job.id;
    d->ref = old->ref;
    d->source = "rerun";
    d->triggered_at = world_.engine().now();
    by_run_[job.run_id] = d;
    by_job_[job.id] = d;
    std::size_t candidate = 0;
    for (std::size_t i = 0; i < in_.policy->candidates.size(); ++i) {
      if (in_.policy->candidates[i].labels == job.spec.runs_on) candidate = i;
    }
    trace("deploy", "rerun", old->version + " (run " + std::to_string(job.run_id) + " attempt " + std::to_string(job.attempt) + ")");
    d->execute(d->orchestrator().adopt_queued_job(world_.engine().now(), candidate,
                                                  "re-run: GitHub queued the deploy job of run " + std::to_string(job.run_id) +
                                                      " again (attempt " + std::to_string(job.attempt) + ")"));
  }
  void attempt_on(const std::string& runner) {
    const auto* host = world_.runner(runner);
    if (host == nullptr || host->spec().authorized_for_prod != "true") result_.invariants["authorized_runners_only"] = false;
    std::string why = "unknown: not a runner of the world";
    const char truth = host == nullptr ? '?' : ground_truth(*host, &why);
    attempts_.push_back(
        CheckpointObservations::Attempt{to_seconds(world_.engine().now() - world_.spec().start), runner, truth, why});
  }
  // "$deploy" names the runner running a deploy job right now.
  std::string resolve_runner(const std::string& name) {
    if (name != "$deploy") return name;
    for (const auto& [job, driver] : by_job_) {
      const auto* j = world_.github().job(job);
      if (j != nullptr && j->status == sim::github::Status::kInProgress) return j->runner_name;
    }
    return "";
  }

 private:
  // Whether a fault of this kind starts the detection clock (the run's SLO file's list,
  // else the built-in one).
  bool starts_clock(const std::string& kind) const;
  // Lays out a fault (scheduled: its start may be ahead) and records it; returns its id.
  int apply_fault(const FaultSpec& f, const std::string& source = "schedule");
  void run_upstream_job(std::int64_t job_id);
  // host_down by runner (its services go down with it) or by plain host name.
  void set_host_up(const FaultSpec& f, sim::runner::RunnerHost* host, bool up) {
    if (host == nullptr) {
      for (auto& r : world_.runners()) {
        if (r->spec().host == f.to) host = r.get();
      }
    }
    if (host != nullptr) {
      host->set_host_up(up);
    } else {
      world_.network().set_host_up(f.to, up);
    }
  }
  void finish_result();
  // One request's result; `pending` names an outcome the policy has not reached yet.
  DeployResult deploy_result(const DeployDriver& driver, const char* pending) const;
  static std::vector<TraceEvent> decisions_of(const DeployDriver& driver);
  void set_runner_fault(const FaultSpec& f, sim::runner::RunnerHost* host, bool on);
  void schedule_flap(const FaultSpec& f, const std::string& target, TimePoint at, bool on, std::shared_ptr<const bool> ended);
  reports::FaultRecord* fault_record(int id) {
    for (auto& r : result_.faults) {
      if (r.id == id) return &r;
    }
    return nullptr;
  }
  const Expectations* expectations() const {
    return in_.expect != nullptr ? in_.expect : expectations_for(*in_.scenario, in_.policy->name);
  }
  bool judges_properties() const {
    const Expectations* e = expectations();
    return e != nullptr && !e->properties.empty();
  }
  void sample_ground_truth();
  // A runner's state by ground truth now (PropertyObservations::Runner::samples' letters).
  // `why`, when given, says it in words ("down to Prometheus: its exporter was unreachable ...").
  char ground_truth(const sim::runner::RunnerHost& r, std::string* why = nullptr);
  // A game-day plan's checkpoints, judged from the run's record (a missed one is broken).
  void judge_checkpoints_now();
  CheckpointObservations checkpoint_observations(const std::vector<DeployResult>& deploys);
  void judge_properties_now(const Expectations& e);

  RunInputs in_;
  std::uint64_t seed_;
  std::vector<CheckpointObservations::Attempt> attempts_;  // every deploy attempt, with ground truth
  sim::World world_;
  Rng attempts_rng_;
  Rng jitter_rng_;
  Rng steps_rng_;
  Rng api_rng_;  // a degraded GitHub API's refusals (github_degraded error_rate)
  std::unique_ptr<CommandChecks> commands_;  // destroyed before world_ (declared after it)
  std::vector<std::unique_ptr<DeployDriver>> drivers_;
  std::map<std::int64_t, DeployDriver*> by_job_;
  std::map<std::int64_t, DeployDriver*> by_run_;
  RunResult result_;
  std::optional<TimePoint> fault_start_;
  std::string faulted_runner_;
  std::optional<TimePoint> first_alert_;
  std::string first_alert_name_;
  sim::prometheus::Labels first_alert_labels_;
  std::optional<TimePoint> failover_at_;
  // For the detection chain: faults that start the clock (start, host, what), failed
  // scrapes by instance (their start), and pending transitions (time, name, labels).
  std::vector<std::tuple<TimePoint, std::string, std::string>> clock_faults_;
  std::map<std::string, std::vector<TimePoint>> failed_scrapes_;
  std::vector<std::tuple<TimePoint, std::string, sim::prometheus::Labels>> pendings_;
  // Properties' observations (only when the run judges properties).
  PropertyObservations seen_;
  std::map<std::string, std::size_t> runner_of_label_;         // instance/hostname/runner_name -> runner
  // (alertname, labels) -> (firing since, the runner it is about)
  std::map<std::pair<std::string, std::string>, std::pair<TimePoint, std::size_t>> firing_since_;
  // What ending a fault early needs: its spec, its network fault id (network kinds),
  // the runner it hit (runner kinds, fixed when it started), and a flag its pending
  // end and flap events check.
  struct FaultHandle {
    FaultSpec spec;
    std::string what;
    int network_id = -1;
    std::shared_ptr<std::string> target;
    std::shared_ptr<bool> ended;
  };
  std::map<int, FaultHandle> fault_handles_;
  std::map<std::string, std::vector<int>> open_proxy_faults_;  // host -> its open proxy fault records
  TimePoint hand_quiet_after_{};                   // 10 minutes after the last hand fault
  void record_detection_chain(TimePoint run_start);
  friend class DeployDriver;
};

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

void DeployDriver::execute(std::vector<Action> actions) {
  sim::World& w = run_.world();
  for (const Action& a : actions) {
    switch (a.kind) {
      case Action::Kind::kRunQueries: run_queries(a.checks); break;
      case Action::Kind::kDispatch: {
        // The world's deploy workflow, with the deploy job sent where the policy says; a
        // policy that sets the job's concurrency or timeout overrides the workflow's.
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
        // A degraded GitHub API answers the dispatch call later (github_degraded's added_latency).
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
        break;
      }
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

// The team's command (harness/command_checks.h). Its first request to Prometheus travels
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
void Run::run_upstream_job(std::int64_t job_id) {
  const sim::github::Job* job = world_.github().job(job_id);
  auto* host = world_.runner(job->runner_name);
  if (host == nullptr) return;
  const auto& times = in_.scenario->world_file.job_run_time;
  const auto it = times.find(job->spec.name);
  const Duration d = it == times.end() ? Duration(std::chrono::minutes(2)) : it->second.sample(steps_rng_);
  trace("job", "started", job->spec.name + " on " + job->runner_name);
  host->run_step(job_id, d, [host, job_id] { host->finish_job(job_id, true); });
}

void Run::record_detection_chain(TimePoint run_start) {
  namespace prom = sim::prometheus;
  const std::string instance(prom::label_value(first_alert_labels_, "instance"));
  const std::string host = instance.substr(0, instance.find(':'));
  // The fault the alert is about: the earliest clock fault on its host before it fired.
  const std::tuple<TimePoint, std::string, std::string>* fault = nullptr;
  for (const auto& f : clock_faults_) {
    if (std::get<0>(f) > *first_alert_) continue;
    const bool about = !host.empty() && std::get<1>(f) == host;
    const bool fault_about = fault != nullptr && !host.empty() && std::get<1>(*fault) == host;
    if (fault == nullptr || (about && !fault_about) || (about == fault_about && std::get<0>(f) < std::get<0>(*fault))) fault = &f;
  }
  if (fault == nullptr) return;
  const TimePoint fault_at = std::get<0>(*fault);
  auto since = [run_start](TimePoint t) { return to_seconds(t - run_start); };
  reports::DetectionChain ch;
  ch.fault = std::get<2>(*fault);
  ch.alert = first_alert_name_;
  ch.instance = instance;
  ch.fault_seconds = since(fault_at);
  ch.firing_seconds = since(*first_alert_);
  result_.firing_seconds = to_seconds(*first_alert_ - fault_at);
  if (const auto it = failed_scrapes_.find(instance); it != failed_scrapes_.end()) {
    for (TimePoint t : it->second) {
      if (t >= fault_at && t <= *first_alert_) {
        ch.first_failed_scrape_seconds = since(t);
        break;
      }
    }
  }
  // The pending that fired: the last one before the firing (a Prometheus restart drops a
  // pending alert and makes a new one).
  for (const auto& [t, name, labels] : pendings_) {
    if (t >= fault_at && t <= *first_alert_ && name == first_alert_name_ && labels == first_alert_labels_) {
      ch.pending_seconds = since(t);
    }
  }
  if (const prom::Alertmanager* am = world_.alertmanager()) {
    for (const auto& n : am->notifications()) {
      const auto& list = ch.notified_seconds ? n.resolved : n.firing;
      if (n.at < *first_alert_ || std::find(list.begin(), list.end(), first_alert_labels_) == list.end()) continue;
      if (!ch.notified_seconds) {
        ch.notified_seconds = since(n.at);
        result_.notification_seconds = to_seconds(n.at - fault_at);
      } else {
        ch.resolved_notified_seconds = since(n.at);
        break;
      }
    }
  }
  result_.detection_chain = ch;
  // Nobody is paged by a firing alert: where the world has an Alertmanager, detection
  // ends at its notification (none sent: not detected).
  result_.detection_to = world_.alertmanager() != nullptr ? "notification" : "firing";
  result_.detection_seconds = world_.alertmanager() != nullptr ? result_.notification_seconds : result_.firing_seconds;
}

bool Run::starts_clock(const std::string& kind) const {
  static const std::vector<std::string> kBuiltinClock = reports::builtin_slos().clock_fault_kinds;
  const auto& clock = in_.clock_fault_kinds != nullptr ? *in_.clock_fault_kinds : kBuiltinClock;
  return std::find(clock.begin(), clock.end(), kind) != clock.end();
}

int Run::apply_fault(const FaultSpec& f, const std::string& source) {
  const TimePoint start = world_.spec().start + f.at;
  const bool starts = starts_clock(to_string(f.kind));
  if (starts && (!fault_start_ || start < *fault_start_)) fault_start_ = start;
  if (!f.runner.empty() && f.runner != "$deploy" && faulted_runner_.empty()) faulted_runner_ = f.runner;
  for (const auto& r : world_.runners()) {
    if (faulted_runner_.empty() && !f.to.empty() && r->spec().host == f.to) faulted_runner_ = r->spec().runner_name;
  }
  const std::string what = std::string(to_string(f.kind)) + " " +
                           (f.kind == FaultSpec::Kind::kHttpStatus ? std::to_string(f.http_status) + " " : "") +
                           (f.kind == FaultSpec::Kind::kGitHubDegraded ? describe_degradation(f.github)
                            : f.runner.empty() ? f.from + "->" + f.to + (f.port ? ":" + std::to_string(f.port) : "")
                                               : f.runner) +
                           (source == "hand" ? " (by hand)" : "");
  const int id = static_cast<int>(result_.faults.size()) + 1;
  reports::FaultRecord record;
  record.id = id;
  record.kind = to_string(f.kind);
  record.what = what;
  record.source = source;
  record.start_seconds = to_seconds(f.at);
  if (f.kind == FaultSpec::Kind::kCancelRun) record.end_seconds = record.start_seconds;
  if (f.length > Duration(0)) record.end_seconds = to_seconds(f.at + f.length);
  result_.faults.push_back(record);
  FaultHandle& handle = fault_handles_[id];
  handle.spec = f;
  handle.what = what;
  handle.ended = std::make_shared<bool>(false);
  if (starts) {
    std::string host = f.to;  // network faults and host_down name the host
    if (const auto* r = f.runner.empty() ? nullptr : world_.runner(f.runner)) host = r->spec().host;
    clock_faults_.emplace_back(start, host, what);
  }
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kLoss:
    case FaultSpec::Kind::kLatency:
    case FaultSpec::Kind::kHttpStatus: {
      sim::NetworkFault nf;
      nf.kind = f.kind == FaultSpec::Kind::kPartition ? sim::NetworkFault::Kind::kPartition
                : f.kind == FaultSpec::Kind::kLoss    ? sim::NetworkFault::Kind::kLoss
                : f.kind == FaultSpec::Kind::kLatency ? sim::NetworkFault::Kind::kLatency
                                                      : sim::NetworkFault::Kind::kHttpStatus;
      nf.http_status = f.http_status;
      nf.http_probability = f.probability;
      nf.http_first = f.http_first;
      nf.from = f.from;
      nf.to = f.to;
      nf.port = f.port;
      nf.mode = f.mode;
      nf.loss_probability = f.probability;
      nf.added_latency = f.added_latency;
      nf.start = start;
      nf.length = f.length;
      nf.flap_down = f.flap_down;
      nf.flap_up = f.flap_up;
      handle.network_id = world_.network().add_fault(nf);
      world_.engine().schedule_at(start, [this, what] { trace("fault", "start", what); });
      break;
    }
    default: {
      // The runner a "$deploy" fault hit is fixed when it starts, so its end undoes it there.
      auto target = std::make_shared<std::string>();
      handle.target = target;
      std::shared_ptr<const bool> ended = handle.ended;
      world_.engine().schedule_at(start, [this, f, what, target, ended] {
        trace("fault", "start", what);
        *target = f.runner.empty() ? "" : resolve_runner(f.runner);
        auto* host = target->empty() ? nullptr : world_.runner(*target);
        if (host != nullptr && faulted_runner_.empty()) faulted_runner_ = host->spec().runner_name;
        if (host == nullptr && !f.runner.empty()) {
          trace("fault", "skipped", "no runner to apply it to");
          return;
        }
        set_runner_fault(f, host, true);
        if (f.flap_down > Duration(0)) schedule_flap(f, *target, world_.engine().now() + f.flap_down, false, ended);
      });
      if (f.length > Duration(0)) {
        world_.engine().schedule_at(start + f.length, [this, f, what, target, ended] {
          if (*ended) return;  // ended early by hand
          trace("fault", "end", what);
          auto* host = target->empty() ? nullptr : world_.runner(*target);
          if (host == nullptr && !f.runner.empty()) return;
          set_runner_fault(f, host, false);  // a flap may be in an up phase already: starting is idempotent
        });
      }
      break;
    }
  }
  return id;
}

Result<reports::FaultRecord> Run::end_fault(int id) {
  reports::FaultRecord* record = fault_record(id);
  const auto handle = fault_handles_.find(id);
  if (record == nullptr || handle == fault_handles_.end()) {
    return Result<reports::FaultRecord>::error("no fault " + std::to_string(id) + " (GET /api/faults lists them)");
  }
  const TimePoint now = world_.engine().now();
  const TimePoint start = world_.spec().start;
  const auto already_over = [&] {
    return *handle->second.ended || (record->end_seconds && *record->end_seconds <= to_seconds(now - start));
  };
  if (already_over()) return Result<reports::FaultRecord>::error("fault " + std::to_string(id) + " is already over");
  if (record->start_seconds > to_seconds(now - start)) {
    return Result<reports::FaultRecord>::error("fault " + std::to_string(id) + " has not started yet");
  }
  FaultHandle& h = handle->second;
  *h.ended = true;
  if (h.network_id >= 0) {
    world_.network().remove_fault(h.network_id);
  } else if (h.target != nullptr) {
    auto* host = h.target->empty() ? nullptr : world_.runner(*h.target);
    if (host != nullptr || h.spec.runner.empty()) set_runner_fault(h.spec, host, false);
  }
  trace("fault", "end", h.what);
  record->end_seconds = to_seconds(now - start);
  return Result<reports::FaultRecord>::ok(*record);
}

void Run::note_proxy_fault(const std::string& kind, const std::string& host, const std::string& what, bool started) {
  const TimePoint now = world_.engine().now();
  const double at = to_seconds(now - world_.spec().start);
  if (!started) {
    const auto open = open_proxy_faults_.find(host);
    if (open == open_proxy_faults_.end()) return;
    for (int id : open->second) {
      if (auto* r = fault_record(id)) r->end_seconds = at;
    }
    open_proxy_faults_.erase(open);
    return;
  }
  reports::FaultRecord record;
  record.id = static_cast<int>(result_.faults.size()) + 1;
  record.kind = kind;
  record.what = what;
  record.source = "proxy";
  record.start_seconds = at;
  result_.faults.push_back(record);
  open_proxy_faults_[host].push_back(record.id);
  // A proxy fault is a network fault on the exporter's host: it starts the detection
  // clock like a scheduled one of its kind.
  if (starts_clock(kind)) {
    if (!fault_start_ || now < *fault_start_) fault_start_ = now;
    clock_faults_.emplace_back(now, host, what);
  }
  hand_quiet_after_ = std::max(hand_quiet_after_, now + std::chrono::minutes(10));
}

// Applies (on) or undoes (off) a fault on a runner or host.
void Run::set_runner_fault(const FaultSpec& f, sim::runner::RunnerHost* host, bool on) {
  switch (f.kind) {
    case FaultSpec::Kind::kHostDown: set_host_up(f, host, !on); break;
    case FaultSpec::Kind::kServiceStop:
      if (on) {
        host->stop_service();
      } else {
        host->start_service();
      }
      break;
    case FaultSpec::Kind::kServiceCrash:
      if (on) {
        host->crash_service();
      } else {
        host->start_service();
      }
      break;
    case FaultSpec::Kind::kExporterStop: host->set_exporter_running(!on); break;
    case FaultSpec::Kind::kResources:
      if (on) host->set_resources(f.cpu, f.memory, f.disk);
      break;
    case FaultSpec::Kind::kGitHubDegraded:
      world_.github().set_degradation(on ? std::optional<sim::github::ApiDegradation>(f.github) : std::nullopt);
      break;
    case FaultSpec::Kind::kCancelRun: {
      if (!on) break;
      std::int64_t newest = 0;
      for (const auto& [id, run] : world_.github().runs()) {
        if (run.status != sim::github::Status::kCompleted) newest = id;
      }
      if (newest != 0) world_.github().cancel_run(newest);
      break;
    }
    default: break;
  }
}

// A flapping runner fault: off for flap_up, on for flap_down, ... until its window ends
// (the fault's own end event undoes it then).
void Run::schedule_flap(const FaultSpec& f, const std::string& target, TimePoint at, bool on, std::shared_ptr<const bool> ended) {
  const TimePoint window_end = f.length > Duration(0) ? world_.spec().start + f.at + f.length
                                                      : world_.spec().start + in_.scenario->run_length;
  if (at >= window_end) return;
  world_.engine().schedule_at(at, [this, f, target, on, ended] {
    if (*ended) return;  // ended early by hand
    auto* host = target.empty() ? nullptr : world_.runner(target);
    if (host == nullptr && !f.runner.empty()) return;
    set_runner_fault(f, host, on);
    schedule_flap(f, target, world_.engine().now() + (on ? f.flap_down : f.flap_up), !on, ended);
  });
}

RunResult Run::execute() {
  const Scenario& sc = *in_.scenario;
  result_.scenario = sc.name;
  result_.policy = in_.policy->name;
  result_.seed = seed_;
  result_.invariants = {{"single_mutator", true},
                        {"no_request_lost", true},
                        {"production_not_partial", true},
                        {"authorized_runners_only", true},
                        {"no_secret_in_output", true},
                        {"job_agrees_with_production", true}};
  world_.network().add_host(kGateHost);
  auto started = world_.start();
  if (!started) {
    result_.outcome = "failed";
    result_.broken.push_back("world did not start: " + started.error());
    return result_;
  }
  if (judges_properties()) {
    for (std::size_t i = 0; i < world_.runners().size(); ++i) {
      const auto& spec = world_.runners()[i]->spec();
      seen_.runners.push_back(PropertyObservations::Runner{spec.runner_name, spec.authorized_for_prod == "true", {}, {}});
      runner_of_label_["runner_name=" + spec.runner_name] = i;
      runner_of_label_["hostname=" + spec.hostname] = i;
      if (spec.exporter_port != 0) runner_of_label_["instance=" + spec.host + ":" + std::to_string(spec.exporter_port)] = i;
    }
    sample_ground_truth();
  }
  world_.prometheus().on_alert_change([this](const sim::prometheus::AlertChange& c) {
    if (!seen_.runners.empty()) {
      const auto key = std::make_pair(c.alertname, sim::prometheus::to_string(c.labels));
      if (c.to == sim::prometheus::AlertState::kFiring) {
        std::size_t runner = SIZE_MAX;
        for (const char* label : {"instance", "hostname", "runner_name"}) {
          const auto r = runner_of_label_.find(std::string(label) + "=" + std::string(sim::prometheus::label_value(c.labels, label)));
          if (r != runner_of_label_.end() && runner == SIZE_MAX) runner = r->second;
        }
        if (runner != SIZE_MAX) firing_since_[key] = {c.at, runner};
      } else if (c.from == sim::prometheus::AlertState::kFiring) {
        const auto it = firing_since_.find(key);
        if (it != firing_since_.end()) {
          const auto [since, runner] = it->second;
          seen_.runners[runner].firing.emplace_back(since - world_.spec().start, c.at - world_.spec().start);
          firing_since_.erase(it);
        }
      }
    }
    trace("alert", c.alertname, std::string(sim::prometheus::to_string(c.from)) + "->" + sim::prometheus::to_string(c.to) +
                                    " " + std::string(sim::prometheus::label_value(c.labels, "instance")));
    if (c.to == sim::prometheus::AlertState::kFiring && fault_start_ && c.at >= *fault_start_ && !first_alert_) {
      first_alert_ = c.at;
      first_alert_name_ = c.alertname;
      first_alert_labels_ = c.labels;
    }
    if (c.to == sim::prometheus::AlertState::kPending) pendings_.emplace_back(c.at, c.alertname, c.labels);
  });
  world_.prometheus().on_target_health([this](const sim::prometheus::TargetHealth& h) {
    if (h.health == "down") failed_scrapes_[h.instance].push_back(h.last_scrape);
    trace("scrape", h.instance, h.health + (h.last_error.empty() ? "" : ": " + h.last_error));
  });
  world_.github().on_job_event([this](const sim::github::JobEvent& e) {
    const sim::github::Job* job = world_.github().job(e.job_id);
    if (job == nullptr) return;
    if (e.kind == sim::github::JobEvent::Kind::kQueued) {
      // The deploy job of a driver's run (it exists once its upstream jobs are done).
      const auto run = by_run_.find(job->run_id);
      if (run != by_run_.end() && job->spec.name == in_.scenario->world_file.deploy_job && job->attempt > 1 &&
          run->second->job_id != 0 && run->second->job_id != e.job_id) {
        adopt_rerun(*job);  // someone re-ran the run: a new deploy of the same version
        return;
      }
      if (run != by_run_.end() && job->spec.name == in_.scenario->world_file.deploy_job) {
        run->second->job_id = e.job_id;
        by_job_[e.job_id] = run->second;
      }
      return;
    }
    const auto it = by_job_.find(e.job_id);
    if (it == by_job_.end()) {
      const auto run = by_run_.find(job->run_id);
      if (run == by_run_.end()) return;
      if (e.kind == sim::github::JobEvent::Kind::kStarted) run_upstream_job(e.job_id);
      if (e.kind == sim::github::JobEvent::Kind::kCompleted) run->second->upstream_completed(*job);
      return;
    }
    if (e.kind == sim::github::JobEvent::Kind::kWaitingForRunner) {
      it->second->job_waiting(e.job_id);
    } else if (e.kind == sim::github::JobEvent::Kind::kStarted) {
      const std::string runner = world_.github().job(e.job_id)->runner_name;
      if (fault_start_ && e.at >= *fault_start_ && !failover_at_ && !faulted_runner_.empty() && runner != faulted_runner_) {
        failover_at_ = e.at;
      }
      it->second->job_started(e.job_id, runner);
    } else if (e.kind == sim::github::JobEvent::Kind::kCompleted) {
      it->second->job_completed(e.job_id);
    }
  });
  for (const auto& f : sc.faults) apply_fault(f);
  std::string previous = sc.world.production_version;
  for (std::size_t i = 0; i < sc.deploys.size(); ++i) {
    drivers_.push_back(std::make_unique<DeployDriver>(*this, i, *in_.policy, sc.deploys[i].version, previous));
    previous = sc.deploys[i].version;
    DeployDriver* d = drivers_.back().get();
    world_.engine().schedule_at(world_.spec().start + sc.deploys[i].at, [this, d, i] {
      trace("deploy", "trigger", in_.scenario->deploys[i].version);
      d->start();
    });
  }
  // The run ends at run_length, or earlier once it has nothing left to tell: every
  // deploy request has its outcome, 5 minutes have passed since the last outcome (for
  // post-outcome effects) and 10 since the last fault began (for its alerts).
  const TimePoint end = world_.spec().start + sc.run_length;
  TimePoint quiet_after = world_.spec().start;
  // A run that judges properties waits for 10 minutes after the last fault *ends*: its
  // conditions are about how long a runner was down.
  const bool from_end = judges_properties();
  for (const auto& f : sc.faults) {
    // (A fault without a length lasts to the end of the run; cancel_run is an instant.)
    const bool instant = !from_end || f.kind == FaultSpec::Kind::kCancelRun;
    const Duration lasts = instant ? Duration(0) : f.length > Duration(0) ? f.length : sc.run_length;
    quiet_after = std::max(quiet_after, world_.spec().start + f.at + lasts + std::chrono::minutes(10));
  }
  LiveHooks* live = in_.live;
  if (live != nullptr && live->started) {
    auto ok = live->started(*this);
    if (!ok) {
      result_.outcome = "failed";
      result_.broken.push_back("live mode did not start: " + ok.error());
      return result_;
    }
  }
  while (world_.engine().now() < end) {
    const TimePoint until = std::min(end, world_.engine().now() + std::chrono::minutes(1));
    if (live != nullptr && live->advance) {
      if (!live->advance(until)) {
        trace("run", "interrupted", "stopped by hand before the scenario ended");
        break;
      }
    } else {
      world_.engine().run_until(until);
    }
    bool all_done = true;
    TimePoint last_done = world_.spec().start;
    for (const auto& d : drivers_) {
      all_done = all_done && d->settled(world_.github());
      if (d->done_at) last_done = std::max(last_done, *d->done_at);
    }
    if (!in_.run_to_end && in_.scenario->checkpoints.empty() && all_done &&
        world_.engine().now() >= std::max({quiet_after, hand_quiet_after_, last_done + std::chrono::minutes(5)})) {
      break;
    }
  }
  if (live != nullptr && live->finished) live->finished();
  finish_result();
  return result_;
}

// Ground truth of one runner now, for properties (sampled every kPropertySampleEvery)
// and a plan's `never deploy_on_unhealthy_runner` (at each attempt): down (host down,
// service not active, exporter stopped or unreachable from Prometheus's host), up, or
// healthy. Reads the model only; changes nothing and draws nothing, so the run is the same.
char Run::ground_truth(const sim::runner::RunnerHost& r, std::string* why) {
  std::string ignored;
  std::string& w = why != nullptr ? *why : ignored;
  const std::string& prometheus = world_.spec().prometheus.host;
  const int prometheus_port = world_.spec().prometheus_port;
  sim::Network& net = world_.network();
  if (!net.host_up(prometheus)) return w = "unknown: the Prometheus host is down", '?';
  const auto delivered = [&](const std::string& from, const std::string& to, int port) {
    return net.peek(from, to, port) == sim::Network::Fate::kDelivered;
  };
  const auto& spec = r.spec();
  if (!r.host_up()) return w = "down: its host is down", 'd';
  if (r.service() != sim::runner::ServiceState::kRunning) return w = "down: its runner service is not running", 'd';
  if (spec.exporter_port != 0 && !r.exporter_running()) return w = "down to Prometheus: its exporter is stopped (the runner itself was up)", 'd';
  if (spec.exporter_port != 0 && !delivered(prometheus, spec.host, spec.exporter_port)) {
    return w = "down to Prometheus: its exporter was unreachable from " + prometheus + " (the runner itself was up)", 'd';
  }
  if (!delivered(kGateHost, prometheus, prometheus_port)) return w = "up but not healthy: the gate cannot reach Prometheus", 'u';
  if (!delivered(spec.host, "github", 443)) return w = "up but not healthy: it cannot reach GitHub", 'u';
  if (!delivered(spec.host, prometheus, prometheus_port)) return w = "up but not healthy: it cannot reach Prometheus", 'u';
  if (spec.cpu_percent > 90 || spec.memory_percent > 90 || spec.disk_percent > 90) {
    return w = "up but not healthy: CPU, memory or disk above 90 %", 'u';
  }
  return w = "healthy", 'h';
}

void Run::sample_ground_truth() {
  for (std::size_t i = 0; i < world_.runners().size(); ++i) seen_.runners[i].samples.push_back(ground_truth(*world_.runners()[i]));
  world_.engine().schedule_after(kPropertySampleEvery, [this] { sample_ground_truth(); });
}

void Run::judge_properties_now(const Expectations& e) {
  const TimePoint start = world_.spec().start;
  const TimePoint now = world_.engine().now();
  seen_.run_end = now - start;
  for (const auto& [key, firing] : firing_since_) {
    seen_.runners[firing.second].firing.emplace_back(firing.first - start, now - start + Duration(1));
  }
  for (const auto& f : in_.scenario->faults) {
    const Duration until = f.kind == FaultSpec::Kind::kCancelRun ? f.at + std::chrono::seconds(1)
                           : f.length > Duration(0)              ? f.at + f.length
                                                                 : in_.scenario->run_length;
    seen_.faults.push_back(PropertyObservations::Fault{to_string(f.kind), f.at, until});
  }
  for (const auto& d : drivers_) {
    if (!d->triggered_at) continue;
    PropertyObservations::Deploy o;
    o.requested = *d->triggered_at - start;
    if (d->done_at) o.done = *d->done_at - start;
    o.landed = d->orchestrator().outcome() == failover::Outcome::kDeployed;
    seen_.deploys.push_back(o);
  }
  for (const auto& v : judge_properties(e.properties, seen_)) {
    result_.failed_properties.push_back(v.property);
    result_.broken.push_back("property " + v.property + ": " + v.detail);
  }
}

DeployResult Run::deploy_result(const DeployDriver& driver, const char* pending) const {
  const TimePoint run_start = world_.spec().start;
  const DeployOrchestrator& o = driver.orchestrator();
  DeployResult d;
  d.version = driver.version;
  d.outcome = o.outcome() == failover::Outcome::kPending ? pending : failover::to_string(o.outcome());
  d.diagnosis = o.diagnosis();
  if (o.outcome() == failover::Outcome::kPending && driver.triggered_at) {
    // Not done: what the failover logic waits for, and what GitHub says about it.
    d.diagnosis = o.waiting_for();
    const std::string github = driver.run_id != 0 ? world_.github().describe_run(driver.run_id) : "";
    if (!github.empty()) d.diagnosis += "; " + github;
  } else if (o.outcome() == failover::Outcome::kPending) {
    d.diagnosis = "not triggered yet";
  }
  if (!driver.job_disagrees.empty()) {
    d.outcome = "deployed_job_failed";
    d.diagnosis += "; but GitHub concluded the deploy job " + driver.job_disagrees +
                   ": the run shows red although production runs " + driver.version + ", and a re-run deploys it again";
  }
  d.runner = o.deployed_on();
  d.attempts = o.attempts();
  d.source = driver.source;
  // Both after the run's start: a request dispatched through the live API before the
  // first scheduled trigger is not "negative seconds".
  if (driver.done_at) d.finished_seconds = to_seconds(*driver.done_at - run_start);
  if (driver.triggered_at) d.triggered_seconds = to_seconds(*driver.triggered_at - run_start);
  return d;
}

std::vector<TraceEvent> Run::decisions_of(const DeployDriver& driver) {
  std::vector<TraceEvent> out;
  for (const auto& dec : driver.orchestrator().log()) {
    std::string reasons;
    for (const auto& r : dec.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
    out.push_back(TraceEvent{to_us(dec.at), "decision", failover::to_string(dec.kind),
                             dec.message + (reasons.empty() ? "" : " [" + reasons + "]")});
  }
  return out;
}

std::vector<LiveDeploy> Run::deploys_now() const {
  std::vector<LiveDeploy> out;
  for (const auto& d : drivers_) {
    LiveDeploy live;
    live.result = deploy_result(*d, d->triggered_at ? "pending" : "scheduled");
    live.run_id = d->run_id;
    live.decisions = decisions_of(*d);
    out.push_back(std::move(live));
  }
  return out;
}

std::vector<failover::Assessment> Run::health_now() {
  std::vector<failover::Assessment> out;
  for (const auto& c : in_.policy->candidates) {
    std::string hostname = c.hostname.value_or("");
    if (hostname.empty()) {
      if (const auto* host = world_.runner(c.name)) hostname = host->spec().hostname;
    }
    const auto plan = failover::plan_checks(*in_.policy, c, hostname);
    std::vector<QueryOutcome> outcomes;
    for (const auto& check : plan) outcomes.push_back(to_outcome(world_.prometheus().query(check.query)));
    out.push_back(failover::assess(c, plan, outcomes));
  }
  return out;
}

CheckpointObservations Run::checkpoint_observations(const std::vector<DeployResult>& deploys) {
  CheckpointObservations seen;
  seen.trace = &result_.trace;
  seen.start_us = to_us(world_.spec().start);
  if (const auto* am = world_.alertmanager()) {
    for (const auto& n : am->notifications()) {
      std::vector<std::string> names;
      for (const auto& l : n.firing) names.emplace_back(sim::prometheus::label_value(l, "alertname"));
      seen.notifications.emplace_back(to_seconds(n.at - world_.spec().start), std::move(names));
    }
  }
  seen.deploys = &deploys;
  seen.attempts = attempts_;
  seen.run_end = to_seconds(world_.engine().now() - world_.spec().start);
  return seen;
}

std::vector<reports::CheckpointResult> Run::scorecard_now() {
  if (in_.scenario->checkpoints.empty()) return {};
  std::vector<DeployResult> deploys;
  for (const auto& d : drivers_) deploys.push_back(deploy_result(*d, "pending"));
  return judge_checkpoints(in_.scenario->checkpoints, checkpoint_observations(deploys));
}

void Run::judge_checkpoints_now() {
  result_.scorecard = judge_checkpoints(in_.scenario->checkpoints, checkpoint_observations(result_.deploys));
  for (const auto& c : result_.scorecard) {
    if (!c.passed) result_.broken.push_back("checkpoint \"" + c.name + "\": " + c.detail);
  }
}

void Run::finish_result() {
  const TimePoint run_start = world_.spec().start;
  auto seconds_since = [](TimePoint from, TimePoint to) { return to_seconds(to - from); };
  for (std::size_t i = 0; i < drivers_.size(); ++i) {
    DeployOrchestrator& o = drivers_[i]->orchestrator();
    DeployResult d = deploy_result(*drivers_[i], "stuck");
    // The timeline says why it stops: a request still pending at the run's end.
    if (d.outcome == "stuck" && drivers_[i]->triggered_at) trace("deploy", "stuck", d.version + ": " + d.diagnosis);
    result_.attempts += d.attempts;
    if (o.outcome() == failover::Outcome::kPending) result_.invariants["no_request_lost"] = false;
    if (!drivers_[i]->job_disagrees.empty()) result_.invariants["job_agrees_with_production"] = false;
    if (o.first_noticed() && fault_start_ && *o.first_noticed() >= *fault_start_) {
      const double s = seconds_since(*fault_start_, *o.first_noticed());
      if (!result_.noticed_seconds || s < *result_.noticed_seconds) result_.noticed_seconds = s;
    }
    result_.deploys.push_back(d);
  }
  result_.had_fault = fault_start_.has_value();
  // The newest request: the last one triggered (a REST dispatch may come before a
  // scheduled trigger, and is added after it), else the last one laid out.
  static const DeployResult kNoRequest{"", "none", "no deploy request was made", "", 0, std::nullopt, 0, "schedule"};
  std::size_t newest = result_.deploys.size() - 1;  // (unused when there is none)
  std::optional<TimePoint> newest_at;
  for (std::size_t i = 0; i < drivers_.size(); ++i) {
    if (drivers_[i]->triggered_at && (!newest_at || *drivers_[i]->triggered_at >= *newest_at)) {
      newest_at = drivers_[i]->triggered_at;
      newest = i;
    }
  }
  const DeployResult& last = result_.deploys.empty() ? kNoRequest : result_.deploys[newest];
  result_.outcome = last.outcome;
  if (!last.runner.empty()) result_.runner = last.runner;
  result_.final_version = world_.production().current_version();
  if (last.outcome == "deployed" && last.finished_seconds) {
    result_.deploy_seconds = *last.finished_seconds - last.triggered_seconds;
  }
  result_.detection_to = world_.alertmanager() != nullptr ? "notification" : "firing";
  if (first_alert_) record_detection_chain(run_start);
  if (failover_at_) result_.failover_seconds = seconds_since(*fault_start_, *failover_at_);
  result_.invariants["single_mutator"] = world_.production().max_concurrent_mutators() <= 1;
  result_.invariants["production_not_partial"] = !world_.production().partial();
  for (const auto& d : drivers_) {
    for (auto& e : decisions_of(*d)) result_.trace.push_back(std::move(e));
  }
  std::stable_sort(result_.trace.begin(), result_.trace.end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.t_us < b.t_us; });
  result_.trace_hash = hash_trace(result_.trace);
  if (!in_.scenario->checkpoints.empty()) judge_checkpoints_now();
  const Expectations* expect = expectations();
  if (expect == nullptr) return;
  const Expectations& e = *expect;
  if (!e.properties.empty()) judge_properties_now(e);
  auto fmt = [](double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", s);
    return std::string(buf);
  };
  if (e.outcome && *e.outcome != result_.outcome) {
    result_.broken.push_back("outcome: expected " + *e.outcome + ", got " + result_.outcome + " (" + last.diagnosis + ")");
  }
  if (e.runner && result_.runner.value_or("") != *e.runner) {
    result_.broken.push_back("runner: expected " + *e.runner + ", got " + result_.runner.value_or("none"));
  }
  if (e.final_version && result_.final_version != *e.final_version) {
    result_.broken.push_back("final_version: expected " + *e.final_version + ", got " + result_.final_version);
  }
  if (e.deploy_within) {
    if (!result_.deploy_seconds) {
      result_.broken.push_back("deploy_within " + format_duration(*e.deploy_within) + ": the deploy never landed");
    } else if (*result_.deploy_seconds > to_seconds(*e.deploy_within)) {
      result_.broken.push_back("deploy_within " + format_duration(*e.deploy_within) + ": took " + fmt(*result_.deploy_seconds));
    }
  }
  if (e.detection_within) {
    const std::string head = "detection_within " + format_duration(*e.detection_within);
    if (!result_.detection_seconds) {
      result_.broken.push_back(head + (result_.firing_seconds ? ": the alert fired but no notification was sent" : ": no alert fired"));
    } else if (*result_.detection_seconds > to_seconds(*e.detection_within)) {
      result_.broken.push_back(head + ": took " + fmt(*result_.detection_seconds) + " to the " +
                               (result_.detection_to == "notification" ? "Alertmanager notification" : "alert firing"));
    }
  }
  for (const auto& name : e.known_violations) result_.expected_violations.push_back(name);
  if (e.alert_fires && *e.alert_fires != result_.firing_seconds.has_value()) {
    result_.broken.push_back(*e.alert_fires ? "alert_fires: no alert fired after the fault" : "alert_fires: expected no alert, one fired");
  }
}

}  // namespace

const Expectations* expectations_for(const Scenario& scenario, const std::string& policy_name) {
  auto it = scenario.expect.find(policy_name);
  if (it == scenario.expect.end()) it = scenario.expect.find("*");
  return it == scenario.expect.end() ? nullptr : &it->second;
}

RunResult run_scenario(const RunInputs& inputs, std::uint64_t seed) {
  Run run(inputs, seed);
  return run.execute();
}

}  // namespace failsim::harness
