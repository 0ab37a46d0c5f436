// The pieces of one simulated run, shared by the files that implement run_scenario
// (harness/runs/run.h): Run, the world of one seed with its hooks, faults, ground truth
// and result; and DeployDriver, one deploy request's orchestrator and the actions it
// asks for. Private to harness/runs/: run.cc (the run loop and its result),
// deploy_driver.cc (a deploy's actions in the world) and run_faults.cc (faults laid out,
// flapped and ended).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "harness/runs/run.h"
#include "reports/slo.h"
#include <algorithm>
#include <cstdio>
#include <memory>
#include "failover/duration.h"
#include "failover/orchestrator.h"
#include "harness/runs/command_checks.h"
#include "sim/world.h"

namespace failsim::harness::run_detail {

using failover::Action;
using failover::AttemptResult;
using failover::DeployOrchestrator;
using failover::QueryOutcome;
using sim::Rng;


inline constexpr const char* kGateHost = "github-hosted";  // where a before-dispatch gate runs
// GITHUB_TOKEN of a command check when the scenario names no secret of its own.
inline constexpr const char* kCommandToken = "ghp_failsimCommandCheckToken0000000000";

// "errors 50 % (HTTP 503), +2s, rate limit spent, pickup +2m"
inline std::string describe_degradation(const sim::github::ApiDegradation& d) {
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (d.error_rate > 0) add("errors " + std::to_string(static_cast<int>(d.error_rate * 100 + 0.5)) + " % (HTTP " + std::to_string(d.status) + ")");
  if (d.added_latency > Duration(0)) add("+" + format_duration(d.added_latency) + " per call");
  if (d.rate_limited) add("rate limit spent");
  if (d.pickup_delay > Duration(0)) add("pickup +" + format_duration(d.pickup_delay));
  return out;
}

inline QueryOutcome to_outcome(const Result<sim::prometheus::Value>& r) {
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
  void dispatch(const Action& a);
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

  // How long the world's Prometheus must keep samples for every read this run can make
  // (the rules' and the gate's queries; run_ledger.cc); 0: all of them (live mode, a
  // command check that may ask anything, an @ modifier).
  static Duration sample_horizon(const RunInputs& in, const sim::WorldSpec& spec);

  static sim::WorldSpec make_spec(const RunInputs& in, std::uint64_t seed) {
    sim::WorldSpec spec = in.scenario->world;
    spec.seed = seed;
    spec.rules = *in.rules;
    spec.prometheus.sample_horizon = sample_horizon(in, spec);
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
  void run_until_told();
  void judge_expectations(const Expectations& e, const std::string& diagnosis);
  void watch_runners();
  void on_alert_change(const sim::prometheus::AlertChange& c);
  void on_job_event(const sim::github::JobEvent& e);
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
  // The alert ledger and the background (harness/runs/run_ledger.cc).
  bool keeps_ledger() const;
  void lay_out_background();
  void start_ledger();
  void check_outages_every();
  // After anything that may change whether a runner can take a job.
  void check_outages();
  void close_outage(std::size_t runner, TimePoint end);
  void ledger_alert_change(const sim::prometheus::AlertChange& c);
  void finish_ledger();
  // The runner an alert's instance, hostname or runner_name label names; SIZE_MAX: none.
  std::size_t runner_about(const sim::prometheus::Labels& labels) const;
  reports::Page page_of(TimePoint at, const sim::prometheus::Labels& labels, const std::string& route);
  void label_runners();
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
  struct LedgerRunner {
    std::optional<TimePoint> unable_since;  // cannot take or finish a job since
    std::string why;
  };
  std::optional<reports::AlertLedger> ledger_;  // kept while the run goes; moved into result_
  std::vector<LedgerRunner> ledger_runners_;
  std::map<std::pair<std::string, std::string>, TimePoint> pending_since_;  // (alertname, labels) -> pending since
  std::map<std::string, double> rule_for_seconds_;                          // alertname -> its `for`
  void record_detection_chain(TimePoint run_start);
  friend class DeployDriver;
};

}  // namespace failsim::harness::run_detail
